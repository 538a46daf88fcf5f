using System.Collections.Concurrent;

namespace Consilium.Orchestrator.Agents;

/// <summary>The last known answer of each agent's <c>/health</c>, kept in memory by <see cref="AgentHealthProber"/>.</summary>
public sealed class AgentHealth
{
    private readonly ConcurrentDictionary<string, bool> _healthy = new(StringComparer.Ordinal);

    /// <summary><c>false</c> until the agent has answered a probe successfully.</summary>
    public bool IsHealthy(string agentId) => _healthy.TryGetValue(agentId, out var healthy) && healthy;

    /// <summary>Records a probe result; returns whether it changed what was known.</summary>
    public bool Report(string agentId, bool healthy)
    {
        var previous = _healthy.TryGetValue(agentId, out var known) ? known : (bool?)null;
        _healthy[agentId] = healthy;
        return previous != healthy;
    }
}

/// <summary>How often and how patiently agents are probed.</summary>
public sealed class AgentHealthOptions
{
    public TimeSpan Interval { get; set; } = TimeSpan.FromSeconds(5);

    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(2);
}
