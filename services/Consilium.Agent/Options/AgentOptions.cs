using Consilium.Council;

namespace Consilium.Agent.Options;

/// <summary>Which seat this instance serves and the key the orchestrator must present (docs/configuration.md, docs/api.md#agent-service-internal).</summary>
public sealed class AgentOptions
{
    /// <summary><c>AGENT_ID</c>: one of <see cref="Roster.Ids"/>.</summary>
    public string AgentId { get; set; } = "";

    /// <summary><c>INTERNAL_KEY_&lt;AGENTID&gt;</c>, else <c>INTERNAL_KEY</c>.</summary>
    public string InternalKey { get; set; } = "";

    public static void Read(AgentOptions options, IConfiguration configuration)
    {
        var id = configuration["AGENT_ID"]?.Trim();
        if (string.IsNullOrEmpty(id))
        {
            throw new ConfigurationErrorException($"AGENT_ID is required: one of {string.Join(", ", Roster.Ids)}.");
        }
        if (!Roster.TryGet(id, out _))
        {
            throw new ConfigurationErrorException($"AGENT_ID '{id}' is not a council seat: use one of {string.Join(", ", Roster.Ids)}.");
        }
        options.AgentId = id;
        options.InternalKey = configuration.GetInternalKey(id)
            ?? throw new ConfigurationErrorException(
                $"INTERNAL_KEY (or INTERNAL_KEY_{id.ToUpperInvariant()}) is required: the bearer key the orchestrator presents to this agent.");
    }
}
