using Consilium.Orchestrator.Redis;

namespace Consilium.Orchestrator.Security;

/// <summary>Logs, once the host starts, what the public edge enforces (the options were validated before it starts).</summary>
internal sealed partial class PublicSecurityStartup(
    PublicSecurityOptions options,
    BearerSecretOptions secrets,
    RedisConnection redis,
    ILogger<PublicSecurityStartup> logger) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        LogSettings(
            logger,
            secrets.Hashes.Count,
            options.AllowedOrigins.Count == 0 ? "none (set PUBLIC_ORIGIN or ALLOWED_ORIGINS)" : string.Join(", ", options.AllowedOrigins),
            options.RateLimitPerMinute,
            (int)options.RateLimitWindow.TotalSeconds,
            redis.IsConfigured ? "Redis, shared by all replicas" : "this replica only",
            options.CouncilStreamsPerClient,
            string.Join(", ", options.TrustedProxies),
            options.CloudflareRanges.Count == 0 ? "off" : $"{options.CloudflareRanges.Count} ranges");
        foreach (var (entry, length) in secrets.ShortEntries)
        {
            LogWeakSecret(logger, entry, length, BearerSecrets.RecommendedMinimumLength);
        }
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

    [LoggerMessage(EventId = 4006, Level = LogLevel.Warning, Message = "CONSILIUM_SECRET entry {Entry} has only {Length} characters; use at least {Recommended} random ones")]
    private static partial void LogWeakSecret(ILogger logger, int entry, int length, int recommended);
}
