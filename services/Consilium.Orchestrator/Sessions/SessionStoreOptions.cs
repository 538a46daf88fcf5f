namespace Consilium.Orchestrator.Sessions;

/// <summary>How the session store's readers follow a log, and how long the runner lease lasts.</summary>
public sealed class SessionStoreOptions
{
    /// <summary>How long a reader waits for news before it checks that the session and its runner still exist.</summary>
    public TimeSpan CheckInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Events read from the log per round trip when replaying.</summary>
    public int PageSize { get; set; } = 256;

    /// <summary>
    /// Live events a Redis reader holds for its client; when its client is slower than the council and this fills,
    /// further live events are not buffered and the reader catches up from the log instead (bounded memory per client).
    /// </summary>
    public int LiveBuffer { get; set; } = 1024;

    /// <summary>
    /// How long the runner lease lasts without renewal (the runner renews it at least every second). When it lapses
    /// before the session finished, readers on other replicas end their streams with an <c>error</c>.
    /// </summary>
    public TimeSpan RunnerLease { get; set; } = TimeSpan.FromSeconds(10);
}
