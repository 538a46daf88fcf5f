using Microsoft.Extensions.Diagnostics.HealthChecks;
using StackExchange.Redis;
using StackExchange.Redis.KeyspaceIsolation;

namespace Consilium.Orchestrator.Redis;

/// <summary>
/// The one Redis connection of an orchestrator replica, shared by the rate limiter and the session event log.
/// When <c>REDIS_URL</c> is unset, <see cref="Multiplexer"/> is null and callers use their in-process stores.
/// The connection never blocks start-up and reconnects by itself; calls time out quickly so a Redis outage
/// degrades the service instead of hanging it.
/// </summary>
public sealed partial class RedisConnection : IDisposable
{
    private readonly ConnectionMultiplexer? _multiplexer;

    public RedisConnection(IConfiguration configuration, ILogger<RedisConnection> logger)
    {
        var url = configuration["REDIS_URL"];
        if (string.IsNullOrWhiteSpace(url))
        {
            LogInProcess(logger);
            return;
        }
        var options = RedisUrl.Parse(url);
        options.AbortOnConnectFail = false;
        options.ConnectTimeout = 2_000;
        options.SyncTimeout = 1_000;
        options.AsyncTimeout = 1_000;
        options.ConnectRetry = 1;
        options.ReconnectRetryPolicy = new LinearRetry(500);
        options.ClientName = "consilium-orchestrator";
        _multiplexer = ConnectionMultiplexer.Connect(options);
        var prefix = configuration["REDIS_KEY_PREFIX"];
        KeyPrefix = string.IsNullOrWhiteSpace(prefix) ? DefaultKeyPrefix : prefix;
        Description = RedisUrl.Redact(url);
        LogConfigured(logger, Description, _multiplexer.IsConnected);
    }

    public bool IsConfigured => _multiplexer is not null;

    /// <summary>True when configured and at least one connection is up.</summary>
    public bool IsConnected => _multiplexer?.IsConnected == true;

    public IConnectionMultiplexer? Multiplexer => _multiplexer;

    public const string DefaultKeyPrefix = "consilium:";

    /// <summary>Prepended to every key (<c>REDIS_KEY_PREFIX</c>), so several deployments or test runs can share one Redis.</summary>
    public string KeyPrefix { get; } = DefaultKeyPrefix;

    /// <summary>The database with <see cref="KeyPrefix"/> applied to every key (Lua script keys included); null when unconfigured.</summary>
    public IDatabase? Database => _multiplexer?.GetDatabase().WithKeyPrefix(KeyPrefix);

    public string Description { get; } = "in-process";

    public void Dispose() => _multiplexer?.Dispose();

    [LoggerMessage(Level = LogLevel.Warning, Message = "REDIS_URL is unset: rate limits and session event logs are kept in this process, which is correct for ONE orchestrator replica only")]
    private static partial void LogInProcess(ILogger logger);

    [LoggerMessage(Level = LogLevel.Information, Message = "Redis at {Redis} (connected: {Connected})")]
    private static partial void LogConfigured(ILogger logger, string redis, bool connected);
}

public static class RedisConnectionExtensions
{
    /// <summary>Registers the shared <see cref="RedisConnection"/> and a <c>redis</c> health check (degraded, not failed, when down).</summary>
    public static IHostApplicationBuilder AddConsiliumRedis(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSingleton<RedisConnection>();
        builder.Services.AddHealthChecks().AddCheck<RedisHealthCheck>("redis");
        return builder;
    }

    private sealed class RedisHealthCheck(RedisConnection redis) : IHealthCheck
    {
        public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
            Task.FromResult(!redis.IsConfigured
                ? HealthCheckResult.Healthy("in-process stores (REDIS_URL unset)")
                : redis.IsConnected
                    ? HealthCheckResult.Healthy(redis.Description)
                    : HealthCheckResult.Degraded($"{redis.Description} unreachable: per-replica fallbacks in use"));
    }
}
