using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace Consilium.Gateway.Http;

/// <summary>
/// The public edge's HTTP: Kestrel limits for long event streams kept alive by heartbeats, and
/// <c>application/problem+json</c> for every error the gateway itself answers (an unknown path, an unreachable
/// orchestrator), as the contract asks of every non-stream error.
/// </summary>
public static class EdgeHttp
{
    /// <summary>A coarse ceiling; the orchestrator answers bodies over 64 KiB with a 413 problem of its own.</summary>
    public const long MaxRequestBodyBytes = 1024 * 1024;

    public static IHostApplicationBuilder AddEdgeHttp(this IHostApplicationBuilder builder)
    {
        builder.Services.AddProblemDetails(options => options.CustomizeProblemDetails = context =>
            context.ProblemDetails.Detail ??= context.ProblemDetails.Status switch
            {
                StatusCodes.Status404NotFound => "Nothing is served at this path. The API is under /api (see the README).",
                StatusCodes.Status502BadGateway or StatusCodes.Status503ServiceUnavailable or StatusCodes.Status504GatewayTimeout =>
                    "The Consilium service behind this gateway could not be reached. Try again in a few seconds.",
                _ => null,
            });
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

    /// <summary>Bodiless error statuses (404, YARP's 502/503/504) become problem details; unhandled exceptions too.</summary>
    public static WebApplication UseEdgeHttp(this WebApplication app)
    {
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        return app;
    }
}
