using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Consilium.ServiceDefaults;

/// <summary>
/// Kestrel limits for a service whose responses are long event streams kept alive by heartbeats (the orchestrator,
/// the gateway): tight on what a request may send, patient with a stream that is only quiet.
/// </summary>
public static class KestrelLimits
{
    /// <summary>Kestrel's own ceiling for any request body; endpoints read far less (the orchestrator 64 KiB).</summary>
    public const long MaxRequestBodyBytes = 1024 * 1024;

    /// <summary>Open connections one process accepts; one more is refused at once instead of queueing behind the others.</summary>
    public const long MaxConcurrentConnections = 4096;

    /// <summary>
    /// Kestrel (still in .NET 10) accepts a bare LF as an HTTP/1.1 line ending; a proxy in front that does not would
    /// read the same bytes as different requests (request smuggling). This switch makes Kestrel answer 400 instead.
    /// </summary>
    public const string LineFeedTerminatorsSwitch = "Microsoft.AspNetCore.Server.Kestrel.DisableHttp1LineFeedTerminators";

    /// <summary>
    /// How long a stopping service lets its open requests finish: the orchestrator ends each stream with a terminal
    /// event within a second of SIGTERM, and the gateway passes it on; only then are connections cut.
    /// </summary>
    public static readonly TimeSpan ShutdownTimeout = TimeSpan.FromSeconds(25);

    public static IServiceCollection ConfigureKestrelForStreams(this IServiceCollection services)
    {
        // Read once by Kestrel when its server starts; set while the services are being added, well before that.
        AppContext.SetSwitch(LineFeedTerminatorsSwitch, true);
        services.Configure<HostOptions>(options => options.ShutdownTimeout = ShutdownTimeout);
        return services.Configure<KestrelServerOptions>(options =>
        {
            options.AddServerHeader = false;
            var limits = options.Limits;
            limits.MaxConcurrentConnections = MaxConcurrentConnections;
            // No endpoint upgrades a connection (no WebSockets): an upgrade request is refused.
            limits.MaxConcurrentUpgradedConnections = 0;
            limits.MaxRequestHeadersTotalSize = 16 * 1024;
            limits.MaxRequestHeaderCount = 64;
            limits.MaxRequestLineSize = 8 * 1024;
            limits.MaxRequestBodySize = MaxRequestBodyBytes;
            limits.RequestHeadersTimeout = TimeSpan.FromSeconds(15);
            // Only measured while a body is being uploaded; a stream's idle minutes between heartbeats never count.
            limits.MinRequestBodyDataRate = new MinDataRate(bytesPerSecond: 240, gracePeriod: TimeSpan.FromSeconds(5));
            // Only measured while a write is waiting on the client: a reader that stops reading is cut off, an idle stream is not.
            limits.MinResponseDataRate = new MinDataRate(bytesPerSecond: 240, gracePeriod: TimeSpan.FromSeconds(10));
            // Longer than a heartbeat gap and the gateway's pooled-connection idle time.
            limits.KeepAliveTimeout = TimeSpan.FromSeconds(130);
            limits.Http2.KeepAlivePingDelay = TimeSpan.FromSeconds(30);
            limits.Http2.KeepAlivePingTimeout = TimeSpan.FromSeconds(20);
        });
    }
}
