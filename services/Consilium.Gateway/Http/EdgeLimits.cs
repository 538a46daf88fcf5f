using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace Consilium.Gateway.Http;

/// <summary>Kestrel limits for the public edge, whose responses are long event streams kept alive by heartbeats.</summary>
public static class EdgeLimits
{
    /// <summary>A coarse ceiling; the orchestrator answers bodies over 64 KiB with a 413 problem of its own.</summary>
    public const long MaxRequestBodyBytes = 1024 * 1024;

    public static IHostApplicationBuilder AddEdgeLimits(this IHostApplicationBuilder builder)
    {
        builder.Services.Configure<KestrelServerOptions>(options =>
        {
            options.AddServerHeader = false;
            var limits = options.Limits;
            limits.MaxRequestHeadersTotalSize = 16 * 1024;
            limits.MaxRequestHeaderCount = 64;
            limits.MaxRequestLineSize = 8 * 1024;
            limits.MaxRequestBodySize = MaxRequestBodyBytes;
            limits.RequestHeadersTimeout = TimeSpan.FromSeconds(15);
            // Only measured while a body is being uploaded or a write waits on the client; idle streams never count.
            limits.MinRequestBodyDataRate = new MinDataRate(bytesPerSecond: 240, gracePeriod: TimeSpan.FromSeconds(5));
            limits.MinResponseDataRate = new MinDataRate(bytesPerSecond: 240, gracePeriod: TimeSpan.FromSeconds(10));
            limits.KeepAliveTimeout = TimeSpan.FromSeconds(130);
            limits.Http2.KeepAlivePingDelay = TimeSpan.FromSeconds(30);
            limits.Http2.KeepAlivePingTimeout = TimeSpan.FromSeconds(20);
        });
        return builder;
    }
}
