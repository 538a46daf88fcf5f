using StackExchange.Redis;

namespace Consilium.Orchestrator.Security.RateLimiting;

/// <summary>
/// The distributed rate limiter: the same sliding-window log as <see cref="SlidingWindowLog"/>, kept in one Redis
/// sorted set per client and decided by one Lua script, so trimming, counting and admitting are a single atomic step
/// on the server — there is no read-then-write for two replicas to interleave. The key's expiry is renewed on every
/// call to the moment its newest entry leaves the window, so no key outlives its use.
/// </summary>
public sealed class RedisSlidingWindowLog(int limit, TimeSpan window)
{
    // KEYS[1] the client's log; ARGV: now (ms), window (ms), limit, a unique member for this request.
    // Returns {admitted 0|1, requests counted in the window, score of the oldest counted request}.
    private const string Script = """
        local key = KEYS[1]
        local now = tonumber(ARGV[1])
        local window = tonumber(ARGV[2])
        local limit = tonumber(ARGV[3])
        redis.call('ZREMRANGEBYSCORE', key, '-inf', now - window)
        local count = redis.call('ZCARD', key)
        local admitted = 0
        if count < limit then
          redis.call('ZADD', key, now, ARGV[4])
          count = count + 1
          admitted = 1
        end
        if count == 0 then
          return {admitted, 0, now}
        end
        local oldest = tonumber(redis.call('ZRANGE', key, 0, 0, 'WITHSCORES')[2])
        local newest = tonumber(redis.call('ZRANGE', key, -1, -1, 'WITHSCORES')[2])
        redis.call('PEXPIRE', key, math.max(1, newest + window - now))
        return {admitted, count, oldest}
        """;

    private readonly long _windowMs = (long)window.TotalMilliseconds;

    public int Limit => limit;

    /// <param name="nowMs">Unix time in milliseconds from the replica's clock (replicas are assumed NTP-synchronised).</param>
    public async Task<RateLimitDecision> TryAcquireAsync(IDatabase database, RedisKey key, long nowMs)
    {
        var member = $"{nowMs}:{Guid.NewGuid():N}";
        var result = (RedisResult[])(await database.ScriptEvaluateAsync(Script, [key], [nowMs, _windowMs, limit, member]).ConfigureAwait(false))!;
        return RateLimitDecision.From((long)result[0] == 1, limit, (long)result[1], (long)result[2], nowMs, _windowMs);
    }
}
