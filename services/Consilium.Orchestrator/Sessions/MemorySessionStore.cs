using System.Collections.Concurrent;

namespace Consilium.Orchestrator.Sessions;

/// <summary>
/// The in-process session logs of this replica: the whole store when <c>REDIS_URL</c> is unset, and the live part of
/// <see cref="RedisSessionStore"/> otherwise. Each session has its own lock, so sessions never contend; readers
/// follow a <see cref="SessionLog"/> through the shared <see cref="SessionReader"/>. Expired sessions are swept every
/// <see cref="SweepInterval"/>.
/// </summary>
public sealed class MemorySessionStore : ISessionStore, IDisposable
{
    public static readonly TimeSpan SweepInterval = TimeSpan.FromSeconds(30);

    private readonly ConcurrentDictionary<string, SessionLog> _sessions = new(StringComparer.Ordinal);
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

    Task<ISessionWriter> ISessionStore.CreateAsync(string sessionId, byte[] resumeTokenHash, TimeSpan lifetime, TimeSpan grace, CancellationToken cancellationToken) =>
        Task.FromResult<ISessionWriter>(Create(sessionId, resumeTokenHash, lifetime, grace));

    /// <summary>A new session's log, held here until it expires.</summary>
    public SessionLog Create(string sessionId, byte[] resumeTokenHash, TimeSpan lifetime, TimeSpan grace)
    {
        var now = _time.GetUtcNow();
        var log = new SessionLog(sessionId, resumeTokenHash, _time, now + lifetime, now + grace);
        if (!_sessions.TryAdd(sessionId, log))
        {
            throw new InvalidOperationException($"Session {sessionId} exists already.");
        }
        return log;
    }

    public Task<SessionInfo?> GetAsync(string sessionId, CancellationToken cancellationToken) =>
        Task.FromResult(Find(sessionId)?.Info());

    public IAsyncEnumerable<SessionEvent> ReadAsync(string sessionId, long afterId, CancellationToken cancellationToken) =>
        Find(sessionId) is { } log ? Read(log, afterId, cancellationToken) : AsyncEnumerable.Empty<SessionEvent>();

    /// <summary>Follows one log, from <paramref name="afterId"/> on.</summary>
    public IAsyncEnumerable<SessionEvent> Read(SessionLog log, long afterId, CancellationToken cancellationToken) =>
        SessionReader.ReadAsync(new LocalSource(this, log), afterId, _options, _time, cancellationToken);

    public Task TouchPresenceAsync(string sessionId, TimeSpan grace, CancellationToken cancellationToken)
    {
        Find(sessionId)?.Touch(_time.GetUtcNow() + grace);
        return Task.CompletedTask;
    }

    public void Dispose() => _sweeper.Dispose();

    /// <summary>The session's log when this replica holds it and it has not expired.</summary>
    public SessionLog? Find(string sessionId) =>
        _sessions.TryGetValue(sessionId, out var log) && !log.IsExpired(_time.GetUtcNow()) ? log : null;

    private void Sweep()
    {
        var now = _time.GetUtcNow();
        foreach (var (id, log) in _sessions)
        {
            if (log.IsExpired(now))
            {
                _sessions.TryRemove(id, out _);
            }
        }
    }

    /// <summary>
    /// The in-process log as a reader's source: the "live feed" is the log itself read at the cursor, so a reader on
    /// this replica never copies an event and never sees a gap; the runner is this process, so it is never lost.
    /// </summary>
    private sealed class LocalSource(MemorySessionStore store, SessionLog log) : ISessionSource
    {
        private readonly List<SessionEvent> _page = [];

        public string RunnerLostMessage => "";

        public bool NeedsChecks => false;

        public ValueTask<LogPage> ReadLogAsync(long afterId, CancellationToken cancellationToken)
        {
            _page.Clear();
            log.CopyAfter(afterId, store._options.PageSize, _page);
            return ValueTask.FromResult(new LogPage(_page, More: _page.Count >= store._options.PageSize));
        }

        public bool TryReadLive(long afterId, out SessionEvent item) => log.TryGetNext(afterId, out item);

        public bool TakeOverflow() => false;

        public Task WaitAsync(long afterId, CancellationToken cancellationToken) => log.WhenChangedAsync(afterId);

        public ValueTask<SessionState> GetStateAsync(CancellationToken cancellationToken) =>
            ValueTask.FromResult(log.IsExpired(store._time.GetUtcNow()) ? SessionState.Gone
                : log.Finished ? SessionState.Finished
                : SessionState.Running);
    }
}
