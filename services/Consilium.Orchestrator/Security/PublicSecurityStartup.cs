using Consilium.Orchestrator.Security.RateLimiting;

namespace Consilium.Orchestrator.Security;

/// <summary>
/// Builds every part of the public edge when the host starts, so a misconfigured replica stops at start-up with one
/// line naming the variable (hosted services are all constructed before any starts, so before the server listens),
/// and logs what the edge enforces.
/// </summary>
internal sealed partial class PublicSecurityStartup(
    PublicSecurityOptions options,
    BearerSecrets secrets,
    PublicRateLimiter limiter,
    CouncilStreamSlots streams,
    RedisFailover redis,
    ILogger<PublicSecurityStartup> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        _ = limiter;
        _ = streams;
        LogSettings(
            logger,
            secrets.Count,
            options.AllowedOrigins.Count == 0 ? "none (set PUBLIC_ORIGIN or ALLOWED_ORIGINS)" : string.Join(", ", options.AllowedOrigins),
            options.RateLimitPerMinute,
            (int)options.RateLimitWindow.TotalSeconds,
            redis.IsConfigured ? "Redis, shared by all replicas" : "this replica only",
            options.CouncilStreamsPerClient,
            string.Join(", ", options.TrustedProxies),
            options.CloudflareRanges.Count == 0 ? "off" : $"{options.CloudflareRanges.Count} ranges");
        if (options.AllowedOrigins.Count == 0)
        {
            LogNoOrigins(logger);
        }
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    [LoggerMessage(EventId = 4000, Level = LogLevel.Information,
        Message = "Public API: {Secrets} bearer secret(s); browser origins: {Origins}; {Limit} requests per {Window} s per client, counted in {Store}; {Streams} open council streams per client; trusted proxies: {Proxies}; Cloudflare mode: {Cloudflare}")]
    private static partial void LogSettings(ILogger logger, int secrets, string origins, int limit, int window, string store, int streams, string proxies, string cloudflare);

    [LoggerMessage(EventId = 4005, Level = LogLevel.Warning,
        Message = "Neither ALLOWED_ORIGINS nor PUBLIC_ORIGIN is set: every request that carries an Origin header (every browser page, the gateway's own included) is refused with 403")]
    private static partial void LogNoOrigins(ILogger logger);
}
