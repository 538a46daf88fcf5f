namespace Consilium.Orchestrator.Sessions;

/// <summary>
/// The per-session event log every orchestrator replica shares (Redis Streams; in process when <c>REDIS_URL</c> is
/// unset). One runner writes a session's events in id order through the <see cref="ISessionWriter"/> it gets from
/// <see cref="CreateAsync"/>; any number of readers on any replica replay the log from an id and then follow it live.
/// Two short-lived leases ride along: <em>presence</em> (some client is reading, or left less than the grace period
/// ago) and the <em>runner</em> lease (the replica running the council is alive). Every key the store writes expires.
/// </summary>
public interface ISessionStore
{
    /// <summary>
    /// Creates a session that counts as attended for <paramref name="grace"/> and is kept for at most
    /// <paramref name="lifetime"/> unless finished sooner; returns the one writer of its log.
    /// </summary>
    Task<ISessionWriter> CreateAsync(string sessionId, byte[] resumeTokenHash, TimeSpan lifetime, TimeSpan grace, CancellationToken cancellationToken);

    /// <summary>The session, or <c>null</c> when it is unknown or expired.</summary>
    Task<SessionInfo?> GetAsync(string sessionId, CancellationToken cancellationToken);

    /// <summary>
    /// Every event with an id greater than <paramref name="afterId"/>, each once and in order, then the live ones
    /// until the terminal event. Ends early (without a terminal event) when the session expires; ends with a
    /// terminal <c>error</c> of the next id when the replica running the council stopped without finishing it.
    /// </summary>
    IAsyncEnumerable<SessionEvent> ReadAsync(string sessionId, long afterId, CancellationToken cancellationToken);

    /// <summary>A client is reading: the session counts as attended for another <paramref name="grace"/>.</summary>
    Task TouchPresenceAsync(string sessionId, TimeSpan grace, CancellationToken cancellationToken);
}

/// <summary>The runner's handle on its session's log.</summary>
public interface ISessionWriter
{
    /// <summary>Appends events whose ids continue the log without gaps, in order, and wakes the readers.</summary>
    Task AppendAsync(IReadOnlyList<SessionEvent> events, CancellationToken cancellationToken);

    /// <summary>Renews the runner lease; returns whether the session is attended (some client read it within the grace period).</summary>
    Task<bool> HeartbeatAsync(CancellationToken cancellationToken);

    /// <summary>Marks the session finished after its last event and keeps it for <paramref name="retention"/>.</summary>
    Task FinishAsync(long lastEventId, TimeSpan retention, CancellationToken cancellationToken);
}

/// <summary>What a resume request needs to know about a session.</summary>
public sealed record SessionInfo(string SessionId, byte[] ResumeTokenHash, bool Finished, long LastEventId);
