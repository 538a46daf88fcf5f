namespace Consilium.Orchestrator.Security.RateLimiting;

/// <summary>
/// Caps how many council streams one client holds open at once (<c>COUNCIL_STREAMS_PER_CLIENT</c>): each one costs
/// ten upstream model streams, which the per-minute rate limit alone does not bound. In Redis a slot is a lease — a
/// member of the client's sorted set scored with its expiry — renewed while the stream is open and removed when it
/// ends, so a replica that dies leaks its slots for at most <see cref="LeaseTime"/> (<see cref="RedisStreamLeases"/>). Without
/// Redis the count is per replica.
/// </summary>
public sealed class CouncilStreamSlots
{
    public static readonly TimeSpan LeaseTime = TimeSpan.FromSeconds(30);
    public static readonly TimeSpan RenewEvery = TimeSpan.FromSeconds(10);

    private readonly int _cap;
    private readonly RedisStreamLeases _redis;
    private readonly RateLimitMetrics _metrics;
    private readonly Lock _gate = new();
    private readonly Dictionary<string, int> _inProcess = new(StringComparer.Ordinal);

    public CouncilStreamSlots(PublicSecurityOptions options, RedisFailover redis, RateLimitMetrics metrics, TimeProvider time)
    {
        _cap = options.CouncilStreamsPerClient;
        _redis = new RedisStreamLeases(redis, time);
        _metrics = metrics;
    }

    public int Cap => _cap;

    public static string Key(string client) => "streams:" + client;

    /// <summary>A slot to dispose when the stream ends, or <c>null</c> when the client already holds <see cref="Cap"/>.</summary>
    public async ValueTask<IAsyncDisposable?> TryAcquireAsync(string client, CancellationToken cancellationToken)
    {
        var lease = Guid.NewGuid().ToString("N");
        var (distributed, taken) = await _redis.TryTakeAsync(Key(client), lease, _cap, cancellationToken).ConfigureAwait(false);
        IAsyncDisposable? slot = distributed
            ? taken ? _redis.Hold(Key(client), lease) : null
            : TryTakeInProcess(client);
        if (slot is null)
        {
            _metrics.StreamRefused();
        }
        return slot;
    }

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
}
