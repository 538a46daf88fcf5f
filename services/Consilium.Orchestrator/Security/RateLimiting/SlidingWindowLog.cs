namespace Consilium.Orchestrator.Security.RateLimiting;

/// <summary>
/// The in-process rate limiter: an exact sliding-window log per client. A request is admitted when fewer than
/// <c>limit</c> requests were admitted in the last <c>window</c>; refused requests are not counted. Used when
/// <c>REDIS_URL</c> is unset and, per replica, while Redis is unreachable.
/// </summary>
/// <remarks>Time is the <see cref="TimeProvider"/>'s monotonic clock, so a wall-clock step cannot reset anyone's budget.</remarks>
public sealed class SlidingWindowLog(int limit, TimeSpan window, TimeProvider time)
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, Queue<long>> _logs = new(StringComparer.Ordinal);
    private readonly long _windowMs = (long)window.TotalMilliseconds;
    private long _nextSweepMs;

    public int Limit => limit;

    /// <summary>How many clients currently have a log (for tests and diagnostics).</summary>
    public int TrackedClients
    {
        get
        {
            lock (_gate)
            {
                return _logs.Count;
            }
        }
    }

    public RateLimitDecision TryAcquire(string client)
    {
        var now = NowMs();
        lock (_gate)
        {
            SweepIfDue(now);
            if (!_logs.TryGetValue(client, out var log))
            {
                log = new Queue<long>(Math.Min(limit, 64));
                _logs[client] = log;
            }
            Trim(log, now);
            var admitted = log.Count < limit;
            if (admitted)
            {
                log.Enqueue(now);
            }
            return RateLimitDecision.From(admitted, limit, log.Count, log.Count > 0 ? log.Peek() : now, now, _windowMs);
        }
    }

    private long NowMs() => time.GetTimestamp() * 1000 / time.TimestampFrequency;

    private void Trim(Queue<long> log, long now)
    {
        while (log.Count > 0 && log.Peek() <= now - _windowMs)
        {
            log.Dequeue();
        }
    }

    /// <summary>Once a window, forget clients with nothing left in theirs, so memory follows active clients only.</summary>
    private void SweepIfDue(long now)
    {
        if (now < _nextSweepMs)
        {
            return;
        }
        _nextSweepMs = now + _windowMs;
        List<string>? idle = null;
        foreach (var (client, log) in _logs)
        {
            Trim(log, now);
            if (log.Count == 0)
            {
                (idle ??= []).Add(client);
            }
        }
        idle?.ForEach(client => _logs.Remove(client));
    }
}
