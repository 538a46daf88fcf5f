using Consilium.Council;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Consilium.Orchestrator.Agents;

/// <summary>
/// Reports how many agents answer their probes. An unhealthy agent degrades the orchestrator but does not make it
/// unready: it still serves the other agents, and a council with missing seats is still a council.
/// </summary>
public sealed class AgentsHealthCheck(AgentHealth health) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var down = Roster.Ids.Where(id => !health.IsHealthy(id)).ToList();
        return Task.FromResult(down.Count == 0
            ? HealthCheckResult.Healthy($"All {Roster.Ids.Count} agents are healthy.")
            : HealthCheckResult.Degraded($"{Roster.Ids.Count - down.Count} of {Roster.Ids.Count} agents are healthy; not healthy: {string.Join(", ", down)}."));
    }
}
