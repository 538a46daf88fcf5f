using Microsoft.Extensions.Diagnostics.HealthChecks;
using Yarp.ReverseProxy;
using Yarp.ReverseProxy.Model;

namespace Consilium.Gateway.Proxy;

/// <summary>
/// Ready while at least one orchestrator replica is not known to be down (YARP's active health checks probe their
/// <c>/health</c>; a replica not yet probed counts as up).
/// </summary>
public sealed class OrchestratorsHealthCheck(IProxyStateLookup proxy) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (!proxy.TryGetCluster(OrchestratorProxyExtensions.ClusterId, out var cluster))
        {
            return Task.FromResult(HealthCheckResult.Unhealthy("The orchestrator cluster is not configured yet."));
        }
        var destinations = cluster.Destinations.Values.ToList();
        var up = destinations.Count(d => d.Health.Active != DestinationHealth.Unhealthy);
        return Task.FromResult(up > 0
            ? HealthCheckResult.Healthy($"{up} of {destinations.Count} orchestrator replicas are up.")
            : HealthCheckResult.Unhealthy($"None of the {destinations.Count} orchestrator replicas in ORCHESTRATOR_URLS answers /health."));
    }
}
