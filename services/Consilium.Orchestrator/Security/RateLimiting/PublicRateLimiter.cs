namespace Consilium.Orchestrator.Security.RateLimiting;

/// <summary>
/// The public API's rate limit (docs/api.md#public-api, layer 3): <c>RATE_LIMIT_PER_MINUTE</c> requests per client per 60 s,
/// decided in Redis (shared by every replica) when it is configured and reachable, else by this replica alone.
/// </summary>
public sealed class PublicRateLimiter
{
    private readonly RedisFailover _redis;
    private readonly RateLimitMetrics _metrics;
    private readonly TimeProvider _time;
    private readonly RedisSlidingWindowLog _distributed;

    public PublicRateLimiter(PublicSecurityOptions options, RedisFailover redis, RateLimitMetrics metrics, TimeProvider time)
    {
        _redis = redis;
        _metrics = metrics;
        _time = time;
        _distributed = new RedisSlidingWindowLog(options.RateLimitPerMinute, options.RateLimitWindow);
        InProcess = new SlidingWindowLog(options.RateLimitPerMinute, options.RateLimitWindow, time);
    }

    /// <summary>The per-replica limiter, used when Redis is unset or unreachable.</summary>
    public SlidingWindowLog InProcess { get; }

    /// <summary>The Redis key (after <c>REDIS_KEY_PREFIX</c>) of a client's log.</summary>
    public static string Key(string client) => "ratelimit:" + client;

    public async ValueTask<RateLimitDecision> AcquireAsync(string client, CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow().ToUnixTimeMilliseconds();
        var (distributed, decision) = await _redis
            .TryAsync(database => _distributed.TryAcquireAsync(database, Key(client), now), cancellationToken)
            .ConfigureAwait(false);
        if (!distributed)
        {
            decision = InProcess.TryAcquire(client);
        }
        _metrics.Decided(distributed ? RateLimitMetrics.StoreRedis : RateLimitMetrics.StoreInProcess, decision.Admitted);
        return decision;
    }
}
