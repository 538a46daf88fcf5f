namespace Consilium.Orchestrator.Sessions;

/// <summary>
/// The in-process, append-only log of one session (docs/streaming.md "The session log"): events numbered from 1
/// without gaps, with local fan-out — a reader keeps only a cursor (an id) into the list and is woken when it grows,
/// so a slow client costs no memory beyond the log itself. The runner is its only writer (several producers, one lock).
/// </summary>
public sealed class SessionLog : ISessionWriter
{
    private readonly Lock _gate = new();
    private readonly List<SessionEvent> _events = [];
    private readonly TimeProvider _time;
    private TaskCompletionSource? _changed;
    private DateTimeOffset _expiresAt;
    private DateTimeOffset _presentUntil;
    private bool _finished;

    public SessionLog(string sessionId, byte[] tokenHash, TimeProvider time, DateTimeOffset expiresAt, DateTimeOffset presentUntil)
    {
        SessionId = sessionId;
        TokenHash = tokenHash;
        _time = time;
        _expiresAt = expiresAt;
        _presentUntil = presentUntil;
    }

    public string SessionId { get; }

    public byte[] TokenHash { get; }

    public long LastId
    {
        get
        {
            lock (_gate)
            {
                return _events.Count;
            }
        }
    }

    public bool Finished
    {
        get
        {
            lock (_gate)
            {
                return _finished;
            }
        }
    }

    /// <summary>Called by <see cref="FinishAsync"/> after the log is finished (with the retention): lets the Redis mirror flush the end.</summary>
    public Func<TimeSpan, CancellationToken, Task>? Finishing { get; set; }

    /// <summary>The heartbeat's view beyond this process (Redis presence, runner lease); null: only local presence counts.</summary>
    public Func<bool, CancellationToken, Task<bool>>? Heartbeat { get; set; }

    public SessionInfo Info()
    {
        lock (_gate)
        {
            return new SessionInfo(SessionId, TokenHash, _finished, _events.Count);
        }
    }

    public long Append(string type, string data)
    {
        TaskCompletionSource? wake;
        long id;
        lock (_gate)
        {
            if (_finished)
            {
                throw new InvalidOperationException($"Session {SessionId} is finished; nothing may follow event {_events.Count}.");
            }
            id = _events.Count + 1;
            _events.Add(new SessionEvent(id, type, data));
            wake = _changed;
            _changed = null;
        }
        wake?.TrySetResult();
        return id;
    }

    /// <summary>The event with id <paramref name="afterId"/> + 1, if it is in the log yet.</summary>
    public bool TryGetNext(long afterId, out SessionEvent item)
    {
        lock (_gate)
        {
            if (afterId >= 0 && afterId < _events.Count)
            {
                item = _events[(int)afterId];
                return true;
            }
        }
        item = default;
        return false;
    }

    /// <summary>Up to <paramref name="max"/> events after <paramref name="afterId"/>, copied into <paramref name="into"/>.</summary>
    public void CopyAfter(long afterId, int max, List<SessionEvent> into)
    {
        lock (_gate)
        {
            var from = (int)Math.Clamp(afterId, 0, _events.Count);
            var count = Math.Min(max, _events.Count - from);
            for (var i = 0; i < count; i++)
            {
                into.Add(_events[from + i]);
            }
        }
    }

    /// <summary>Completes when the log holds an event after <paramref name="afterId"/>; fails with a timeout when it is finished without one.</summary>
    public Task WhenChangedAsync(long afterId)
    {
        lock (_gate)
        {
            if (afterId < _events.Count)
            {
                return Task.CompletedTask;
            }
            // Finished with nothing after the id: nothing will wake the reader, so it is told at once to check the
            // session's state (as after a quiet check interval) instead of waiting for it.
            return _finished
                ? Task.FromException(new TimeoutException())
                : (_changed ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).Task;
        }
    }

    public bool IsExpired(DateTimeOffset now)
    {
        lock (_gate)
        {
            return _expiresAt <= now;
        }
    }

    /// <summary>Keeps the session until <paramref name="until"/> at the latest (never later than already set).</summary>
    public void ExpireBy(DateTimeOffset until)
    {
        lock (_gate)
        {
            if (until < _expiresAt)
            {
                _expiresAt = until;
            }
        }
    }

    public void Touch(DateTimeOffset until)
    {
        lock (_gate)
        {
            if (until > _presentUntil)
            {
                _presentUntil = until;
            }
        }
    }

    public bool IsPresent(DateTimeOffset now)
    {
        lock (_gate)
        {
            return _presentUntil > now;
        }
    }

    public Task<bool> HeartbeatAsync(CancellationToken cancellationToken)
    {
        var present = IsPresent(_time.GetUtcNow());
        return Heartbeat is { } remote ? remote(present, cancellationToken) : Task.FromResult(present);
    }

    public async Task FinishAsync(TimeSpan retention, CancellationToken cancellationToken)
    {
        TaskCompletionSource? wake;
        lock (_gate)
        {
            _finished = true;
            _expiresAt = _time.GetUtcNow() + retention;
            wake = _changed;
            _changed = null;
        }
        wake?.TrySetResult();
        if (Finishing is { } finishing)
        {
            await finishing(retention, cancellationToken).ConfigureAwait(false);
        }
    }
}
