using System.Diagnostics.CodeAnalysis;
using Consilium.Orchestrator.Redis;
using StackExchange.Redis;

namespace Consilium.Orchestrator.Security.RateLimiting;

/// <summary>
/// Runs the limiters' Redis calls with a short deadline and decides when not to try: while the connection is down, and
/// for a moment after a call failed. Callers then use their in-process store. Entering and leaving that degraded state
/// is logged once each way and shown by the <c>consilium.rate_limit.degraded</c> gauge; every failed call is counted.
/// It never throws for a Redis failure, so an outage can neither fail a request open nor turn it into a 500.
/// </summary>
public sealed partial class RedisFailover
{
    /// <summary>The longest a request waits on Redis, on top of the connection's own 1 s command timeout.</summary>
    public static readonly TimeSpan CallDeadline = TimeSpan.FromSeconds(1.5);

    /// <summary>After a failed call, Redis is not tried again for this long (the reconnect itself is the connection's job).</summary>
    public static readonly TimeSpan PauseAfterFailure = TimeSpan.FromMilliseconds(500);

    private readonly RedisConnection _redis;
    private readonly TimeProvider _time;
    private readonly RateLimitMetrics _metrics;
    private readonly ILogger<RedisFailover> _logger;
    private long _pausedUntil;
    private int _degraded;

    public RedisFailover(RedisConnection redis, TimeProvider time, RateLimitMetrics metrics, ILogger<RedisFailover> logger)
    {
        _redis = redis;
        _time = time;
        _metrics = metrics;
        _logger = logger;
        metrics.Meter.CreateObservableGauge(RateLimitMetrics.DegradedName, () => IsDegraded ? 1 : 0, "{state}",
            "1 while Redis is configured but unreachable and limits are per replica, else 0.");
    }

    /// <summary>Redis is configured but limits are currently kept per replica.</summary>
    public bool IsDegraded => Volatile.Read(ref _degraded) == 1;

    public bool IsConfigured => _redis.IsConfigured;

    /// <summary>Runs <paramref name="call"/> against Redis; <c>false</c> when Redis is unset, down or failed (use the in-process store).</summary>
    public async ValueTask<(bool Ok, T Value)> TryAsync<T>(Func<IDatabase, Task<T>> call, CancellationToken cancellationToken)
    {
        if (!TryGetDatabase(out var database))
        {
            return (false, default!);
        }
        try
        {
            var value = await call(database).WaitAsync(CallDeadline, _time, cancellationToken).ConfigureAwait(false);
            Recovered();
            return (true, value);
        }
        catch (Exception ex) when (RedisFailures.IsFailure(ex, cancellationToken))
        {
            Failed(ex.GetType().Name + ": " + ex.Message);
            return (false, default!);
        }
    }

    private bool TryGetDatabase([NotNullWhen(true)] out IDatabase? database)
    {
        database = null;
        if (!_redis.IsConfigured)
        {
            return false;
        }
        if (!_redis.IsConnected)
        {
            EnterDegraded("no connection");
            return false;
        }
        if (_time.GetTimestamp() < Volatile.Read(ref _pausedUntil))
        {
            return false;
        }
        database = _redis.Database;
        return database is not null;
    }

    private void Failed(string reason)
    {
        _metrics.RedisFailed();
        Volatile.Write(ref _pausedUntil, _time.GetTimestamp() + (long)(PauseAfterFailure.TotalSeconds * _time.TimestampFrequency));
        EnterDegraded(reason);
    }

    private void EnterDegraded(string reason)
    {
        if (Interlocked.Exchange(ref _degraded, 1) == 0)
        {
            LogDegraded(_logger, _redis.Description, reason);
        }
    }

    private void Recovered()
    {
        if (Interlocked.Exchange(ref _degraded, 0) == 1)
        {
            LogRecovered(_logger, _redis.Description);
        }
    }

    [LoggerMessage(EventId = 4101, Level = LogLevel.Warning,
        Message = "Redis at {Redis} is unreachable ({Reason}): rate limits and council-stream caps are now kept per replica, in process, until it is back")]
    private static partial void LogDegraded(ILogger logger, string redis, string reason);

    [LoggerMessage(EventId = 4102, Level = LogLevel.Information,
        Message = "Redis at {Redis} is reachable again: rate limits and council-stream caps are distributed again")]
    private static partial void LogRecovered(ILogger logger, string redis);
}
