using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;

namespace Microsoft.Extensions.Hosting;

/// <summary>
/// Kestrel limits for a service whose responses are long event streams kept alive by heartbeats (the orchestrator,
/// the gateway): tight on what a request may send, patient with a stream that is only quiet.
/// </summary>
public static class KestrelLimits
{
    /// <summary>Kestrel's own ceiling for any request body; endpoints read far less (the orchestrator 64 KiB).</summary>
    public const long MaxRequestBodyBytes = 1024 * 1024;

    public static IServiceCollection ConfigureKestrelForStreams(this IServiceCollection services) =>
        services.Configure<KestrelServerOptions>(options =>
        {
            options.AddServerHeader = false;
            var limits = options.Limits;
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
