using StackExchange.Redis;

namespace Consilium.Orchestrator.Security.RateLimiting;

/// <summary>
/// Caps how many council streams one client holds open at once (<c>COUNCIL_STREAMS_PER_CLIENT</c>): each one costs
/// ten upstream model streams, which the per-minute rate limit alone does not bound. In Redis a slot is a lease — a
/// member of the client's sorted set scored with its expiry — renewed while the stream is open and removed when it
/// ends, so a replica that dies leaks its slots for at most <see cref="LeaseTime"/>. Without Redis the count is per replica.
/// </summary>
public sealed class CouncilStreamSlots
{
    public static readonly TimeSpan LeaseTime = TimeSpan.FromSeconds(30);
    public static readonly TimeSpan RenewEvery = TimeSpan.FromSeconds(10);

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

    private readonly int _cap;
    private readonly RedisFailover _redis;
    private readonly RateLimitMetrics _metrics;
    private readonly TimeProvider _time;
    private readonly Lock _gate = new();
    private readonly Dictionary<string, int> _inProcess = new(StringComparer.Ordinal);

    public CouncilStreamSlots(PublicSecurityOptions options, RedisFailover redis, RateLimitMetrics metrics, TimeProvider time)
    {
        _cap = options.CouncilStreamsPerClient;
        _redis = redis;
        _metrics = metrics;
        _time = time;
    }

    public int Cap => _cap;

    public static string Key(string client) => "streams:" + client;

    /// <summary>A slot to dispose when the stream ends, or <c>null</c> when the client already holds <see cref="Cap"/>.</summary>
    public async ValueTask<IAsyncDisposable?> TryAcquireAsync(string client, CancellationToken cancellationToken)
    {
        var lease = Guid.NewGuid().ToString("N");
        var (distributed, taken) = await _redis.TryAsync(
            async database => (long)await database.ScriptEvaluateAsync(AcquireScript, [Key(client)], [NowMs(), (long)LeaseTime.TotalMilliseconds, _cap, lease]).ConfigureAwait(false) == 1,
            cancellationToken).ConfigureAwait(false);
        IAsyncDisposable? slot = distributed
            ? taken ? new RedisLease(this, Key(client), lease) : null
            : TryTakeInProcess(client);
        if (slot is null)
        {
            _metrics.StreamRefused();
        }
        return slot;
    }

    private long NowMs() => _time.GetUtcNow().ToUnixTimeMilliseconds();

    private InProcessLease? TryTakeInProcess(string client)
    {
        lock (_gate)
        {
            var open = _inProcess.GetValueOrDefault(client);
            if (open >= _cap)
            {
                return null;
            }
            _inProcess[client] = open + 1;
        }
        return new InProcessLease(this, client);
    }

    private void ReleaseInProcess(string client)
    {
        lock (_gate)
        {
            var open = _inProcess.GetValueOrDefault(client) - 1;
            if (open <= 0)
            {
                _inProcess.Remove(client);
            }
            else
            {
                _inProcess[client] = open;
            }
        }
    }

    private sealed class InProcessLease(CouncilStreamSlots owner, string client) : IAsyncDisposable
    {
        private int _released;

        public ValueTask DisposeAsync()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0)
            {
                owner.ReleaseInProcess(client);
            }
            return ValueTask.CompletedTask;
        }
    }

    /// <summary>A Redis lease, renewed every <see cref="RenewEvery"/> until disposed; a failed renewal or release is left to expire.</summary>
    private sealed class RedisLease : IAsyncDisposable
    {
        private readonly CouncilStreamSlots _owner;
        private readonly RedisKey _key;
        private readonly string _lease;
        private readonly ITimer _renewal;
        private int _released;

        public RedisLease(CouncilStreamSlots owner, RedisKey key, string lease)
        {
            _owner = owner;
            _key = key;
            _lease = lease;
            _renewal = owner._time.CreateTimer(static state => _ = ((RedisLease)state!).RenewAsync(), this, RenewEvery, RenewEvery);
        }

        private async Task RenewAsync()
        {
            if (Volatile.Read(ref _released) == 0)
            {
                await _owner._redis.TryAsync(
                    database => database.ScriptEvaluateAsync(RenewScript, [_key], [_owner.NowMs(), (long)LeaseTime.TotalMilliseconds, _lease]),
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
            await _owner._redis.TryAsync(database => database.SortedSetRemoveAsync(_key, _lease), CancellationToken.None).ConfigureAwait(false);
        }
    }
}
