using Microsoft.Extensions.Diagnostics.HealthChecks;
using Yarp.ReverseProxy;
using Yarp.ReverseProxy.Model;

namespace Consilium.Gateway.Proxy;

/// <summary>
/// Ready while at least one orchestrator replica answered YARP's last active probe of its <c>/health</c>. A replica
/// not yet probed counts as down: until the first probe succeeded the gateway has nowhere known to send a request,
/// so it does not report ready (docs/reliability.md, "Gateway readiness").
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
        var up = destinations.Count(d => d.Health.Active == DestinationHealth.Healthy);
        if (up > 0)
        {
            return Task.FromResult(HealthCheckResult.Healthy($"{up} of {destinations.Count} orchestrator replicas are up."));
        }
        return Task.FromResult(HealthCheckResult.Unhealthy(destinations.All(d => d.Health.Active == DestinationHealth.Unknown)
            ? $"None of the {destinations.Count} orchestrator replicas in ORCHESTRATOR_URLS has been probed successfully yet."
            : $"None of the {destinations.Count} orchestrator replicas in ORCHESTRATOR_URLS answers /health."));
    }
}
