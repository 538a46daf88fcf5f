using StackExchange.Redis;

namespace Consilium.Orchestrator.Security.RateLimiting;

/// <summary>
/// The council-stream slots in Redis (<see cref="CouncilStreamSlots"/>): a slot is a lease, a member of the client's
/// sorted set scored with its expiry, taken by one Lua script (trim the expired, count, add) and renewed while held.
/// Every call goes through <see cref="RedisFailover"/>, so an outage is "not distributed now", never an exception.
/// </summary>
internal sealed class RedisStreamLeases(RedisFailover redis, TimeProvider time)
{
    // KEYS[1] the client's leases; ARGV: now (ms), lease time (ms), cap, lease id. Returns 1 when the lease was taken.
    private const string AcquireScript = """
        local key = KEYS[1]
        local now = tonumber(ARGV[1])
        redis.call('ZREMRANGEBYSCORE', key, '-inf', now)
        if redis.call('ZCARD', key) >= tonumber(ARGV[3]) then
          return 0
        end
        redis.call('ZADD', key, now + tonumber(ARGV[2]), ARGV[4])
        local last = tonumber(redis.call('ZRANGE', key, -1, -1, 'WITHSCORES')[2])
        redis.call('PEXPIRE', key, math.max(1, last - now))
        return 1
        """;

    // KEYS[1] the client's leases; ARGV: now (ms), lease time (ms), lease id. Extends (or restores) the lease.
    private const string RenewScript = """
        local key = KEYS[1]
        local now = tonumber(ARGV[1])
        redis.call('ZADD', key, now + tonumber(ARGV[2]), ARGV[3])
        local last = tonumber(redis.call('ZRANGE', key, -1, -1, 'WITHSCORES')[2])
        redis.call('PEXPIRE', key, math.max(1, last - now))
        return 1
        """;

    /// <summary>Tries to take a slot: <c>Ok</c> false when Redis cannot be asked (count in process instead).</summary>
    public ValueTask<(bool Ok, bool Taken)> TryTakeAsync(string key, string lease, int cap, CancellationToken cancellationToken) =>
        redis.TryAsync(
            async database => (long)await database.ScriptEvaluateAsync(AcquireScript, [key], [NowMs(), (long)CouncilStreamSlots.LeaseTime.TotalMilliseconds, cap, lease]).ConfigureAwait(false) == 1,
            cancellationToken);

    /// <summary>The taken slot, renewed until disposed.</summary>
    public IAsyncDisposable Hold(string key, string lease) => new RedisLease(this, key, lease);

    private long NowMs() => time.GetUtcNow().ToUnixTimeMilliseconds();

    /// <summary>A Redis lease, renewed every <see cref="CouncilStreamSlots.RenewEvery"/> until disposed; a failed renewal or release is left to expire.</summary>
    private sealed class RedisLease : IAsyncDisposable
    {
        private readonly RedisStreamLeases _owner;
        private readonly RedisKey _key;
        private readonly string _lease;
        private readonly ITimer _renewal;
        private int _released;

        public RedisLease(RedisStreamLeases owner, RedisKey key, string lease)
        {
            _owner = owner;
            _key = key;
            _lease = lease;
            _renewal = owner.Time.CreateTimer(static state => _ = ((RedisLease)state!).RenewAsync(), this, CouncilStreamSlots.RenewEvery, CouncilStreamSlots.RenewEvery);
        }

        private async Task RenewAsync()
        {
            if (Volatile.Read(ref _released) == 0)
            {
                await _owner.Redis.TryAsync(
                    database => database.ScriptEvaluateAsync(RenewScript, [_key], [_owner.NowMs(), (long)CouncilStreamSlots.LeaseTime.TotalMilliseconds, _lease]),
                    CancellationToken.None).ConfigureAwait(false);
            }
        }

        public async ValueTask DisposeAsync()
        {
            if (Interlocked.Exchange(ref _released, 1) == 1)
            {
                return;
            }
            await _renewal.DisposeAsync().ConfigureAwait(false);
            await _owner.Redis.TryAsync(database => database.SortedSetRemoveAsync(_key, _lease), CancellationToken.None).ConfigureAwait(false);
        }
    }

    private TimeProvider Time => time;

    private RedisFailover Redis => redis;
}
