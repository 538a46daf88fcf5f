using System.Collections.Concurrent;
using System.Runtime.CompilerServices;

namespace Consilium.Orchestrator.Sessions;

/// <summary>
/// The session store of a single replica (<c>REDIS_URL</c> unset). Each session has its own lock, so sessions never
/// contend; readers keep only a cursor into the session's list, so a slow client costs no memory beyond the log
/// itself. Expired sessions are swept every <see cref="SweepInterval"/>.
/// </summary>
public sealed class MemorySessionStore : ISessionStore, IDisposable
{
    public static readonly TimeSpan SweepInterval = TimeSpan.FromSeconds(30);

    private readonly ConcurrentDictionary<string, Session> _sessions = new(StringComparer.Ordinal);
    private readonly TimeProvider _time;
    private readonly SessionStoreOptions _options;
    private readonly ITimer _sweeper;

    public MemorySessionStore(TimeProvider time, SessionStoreOptions options)
    {
        _time = time;
        _options = options;
        _sweeper = time.CreateTimer(_ => Sweep(), null, SweepInterval, SweepInterval);
    }

    /// <summary>Sessions held, including expired ones not swept yet.</summary>
    public int Count => _sessions.Count;

    public Task<ISessionWriter> CreateAsync(string sessionId, byte[] resumeTokenHash, TimeSpan lifetime, TimeSpan grace, CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow();
        var session = new Session(this, resumeTokenHash, now + lifetime, now + grace);
        if (!_sessions.TryAdd(sessionId, session))
        {
            throw new InvalidOperationException($"Session {sessionId} exists already.");
        }
        return Task.FromResult<ISessionWriter>(session);
    }

    public Task<SessionInfo?> GetAsync(string sessionId, CancellationToken cancellationToken)
    {
        if (Find(sessionId) is not { } session)
        {
            return Task.FromResult<SessionInfo?>(null);
        }
        lock (session.Gate)
        {
            return Task.FromResult<SessionInfo?>(new SessionInfo(sessionId, session.TokenHash, session.Finished, session.Events.Count));
        }
    }

    public async IAsyncEnumerable<SessionEvent> ReadAsync(string sessionId, long afterId, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        if (Find(sessionId) is not { } session)
        {
            yield break;
        }
        // Ids run from 1 without gaps, so the event after `afterId` sits at index `afterId`.
        var cursor = (int)Math.Clamp(afterId, 0, int.MaxValue);
        while (true)
        {
            SessionEvent next = default;
            var have = false;
            Task? changed = null;
            lock (session.Gate)
            {
                if (cursor < session.Events.Count)
                {
                    next = session.Events[cursor++];
                    have = true;
                }
                else if (!session.Finished)
                {
                    changed = (session.Changed ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).Task;
                }
            }
            if (have)
            {
                yield return next;
                if (next.IsTerminal)
                {
                    yield break;
                }
                continue;
            }
            if (changed is null || session.IsExpired(_time))
            {
                yield break;
            }
            try
            {
                await changed.WaitAsync(_options.CheckInterval, _time, cancellationToken).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                // Nothing new for a while: loop round to check expiry.
            }
        }
    }

    public Task TouchPresenceAsync(string sessionId, TimeSpan grace, CancellationToken cancellationToken)
    {
        Find(sessionId)?.Touch(_time.GetUtcNow() + grace);
        return Task.CompletedTask;
    }

    public void Dispose() => _sweeper.Dispose();

    private Session? Find(string sessionId) =>
        _sessions.TryGetValue(sessionId, out var session) && !session.IsExpired(_time) ? session : null;

    private void Sweep()
    {
        foreach (var (id, session) in _sessions)
        {
            if (session.IsExpired(_time))
            {
                _sessions.TryRemove(id, out _);
            }
        }
    }

    private sealed class Session(MemorySessionStore store, byte[] tokenHash, DateTimeOffset expiresAt, DateTimeOffset presentUntil) : ISessionWriter
    {
        public readonly Lock Gate = new();
        public readonly List<SessionEvent> Events = [];
        public readonly byte[] TokenHash = tokenHash;
        public TaskCompletionSource? Changed;
        public bool Finished;
        private DateTimeOffset _expiresAt = expiresAt;
        private DateTimeOffset _presentUntil = presentUntil;

        public bool IsExpired(TimeProvider time)
        {
            lock (Gate)
            {
                return _expiresAt <= time.GetUtcNow();
            }
        }

        public void Touch(DateTimeOffset until)
        {
            lock (Gate)
            {
                if (until > _presentUntil)
                {
                    _presentUntil = until;
                }
            }
        }

        public Task AppendAsync(IReadOnlyList<SessionEvent> events, CancellationToken cancellationToken)
        {
            TaskCompletionSource? wake;
            lock (Gate)
            {
                foreach (var item in events)
                {
                    if (item.Id != Events.Count + 1)
                    {
                        throw new InvalidOperationException($"Event {item.Id} does not follow event {Events.Count}.");
                    }
                    Events.Add(item);
                }
                wake = Changed;
                Changed = null;
            }
            wake?.TrySetResult();
            return Task.CompletedTask;
        }

        public Task<bool> HeartbeatAsync(CancellationToken cancellationToken)
        {
            // The runner is this process, so only presence needs checking.
            lock (Gate)
            {
                return Task.FromResult(_presentUntil > store._time.GetUtcNow());
            }
        }

        public Task FinishAsync(long lastEventId, TimeSpan retention, CancellationToken cancellationToken)
        {
            TaskCompletionSource? wake;
            lock (Gate)
            {
                Finished = true;
                _expiresAt = store._time.GetUtcNow() + retention;
                wake = Changed;
                Changed = null;
            }
            wake?.TrySetResult();
            return Task.CompletedTask;
        }
    }
}
