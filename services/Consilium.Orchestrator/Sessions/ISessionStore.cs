namespace Consilium.Orchestrator.Sessions;

/// <summary>
/// A council session's event log (docs/streaming.md "The session log"). The log of a running council lives in the
/// process that runs it: the runner appends to it through the <see cref="ISessionWriter"/> it gets from
/// <see cref="CreateAsync"/>, and readers on the same replica follow it there directly. With Redis the log is also
/// mirrored to a Redis Stream, written behind in batches, for resumes on other replicas. Two short-lived leases ride
/// along: <em>presence</em> (some client is reading, or left less than the grace period ago) and the <em>runner</em>
/// lease (the replica running the council is alive). Everything the store keeps expires.
/// </summary>
public interface ISessionStore
{
    /// <summary>
    /// Creates a session that counts as attended for <paramref name="grace"/> and is kept for at most
    /// <paramref name="lifetime"/> unless finished sooner; returns the one writer of its log. Never waits for Redis:
    /// without it the session runs degraded (resumable on this replica only until the mirror catches up).
    /// </summary>
    Task<ISessionWriter> CreateAsync(string sessionId, byte[] resumeTokenHash, TimeSpan lifetime, TimeSpan grace, CancellationToken cancellationToken);

    /// <summary>The session, or <c>null</c> when it is unknown or expired.</summary>
    /// <exception cref="SessionStoreUnavailableException">The session is not on this replica and Redis cannot be asked.</exception>
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
    /// <summary>The id of the last event appended (0 before the first).</summary>
    long LastId { get; }

    /// <summary>
    /// Appends the next event (id <see cref="LastId"/> + 1) to the in-process log and wakes its readers. Safe to call
    /// from several producers at once; each producer's own order is kept. Never waits (the Redis mirror is written behind).
    /// </summary>
    long Append(string type, string data);

    /// <summary>Renews the runner lease; returns whether the session is attended (some client read it within the grace period).</summary>
    Task<bool> HeartbeatAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Marks the session finished after its last event and keeps it for <paramref name="retention"/>; waits (a bounded
    /// time) for the mirror, if any, to hold everything.
    /// </summary>
    Task FinishAsync(TimeSpan retention, CancellationToken cancellationToken);
}

/// <summary>What a resume request needs to know about a session.</summary>
/// <param name="IsAuthoritative">
/// True when read from the log the runner writes (this replica runs or ran the council); false for the Redis mirror,
/// which may be a batch behind the live log.
/// </param>
public sealed record SessionInfo(string SessionId, byte[] ResumeTokenHash, bool Finished, long LastEventId, bool IsAuthoritative = true);

/// <summary>The store cannot answer now (Redis is unreachable and the session is not on this replica).</summary>
public sealed class SessionStoreUnavailableException(string message, Exception? inner = null) : Exception(message, inner);
