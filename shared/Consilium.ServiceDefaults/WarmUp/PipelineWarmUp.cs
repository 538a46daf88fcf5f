using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Consilium.ServiceDefaults.WarmUp;

/// <summary>
/// The smallest warm-up a service can have without side effects: one <c>GET /alive</c> through its own Kestrel
/// pipeline (<see cref="StartupWarmUp.GetAliveAsync"/>) before <c>/health</c> reports ready.
/// </summary>
public sealed class PipelineWarmUp(IServer server, IHostApplicationLifetime lifetime, TimeProvider time, ILogger<PipelineWarmUp> logger)
    : StartupWarmUp(server, lifetime, time, logger)
{
    protected override Task WarmAsync(Uri? loopback, CancellationToken cancellationToken) => GetAliveAsync(loopback, cancellationToken);
}
