namespace Consilium.Orchestrator.Agents;

/// <summary>
/// The orchestrator's own deadlines on one agent stream (docs/streaming.md "Deadlines"): the first text within
/// <c>AGENT_FIRST_TOKEN_TIMEOUT</c>, no silence longer than <c>AGENT_IDLE_TIMEOUT</c>, the whole answer within
/// <c>AGENT_TOTAL_TIMEOUT</c> — each plus <see cref="Margin"/>, so an agent that keeps its own deadlines always reports
/// them itself first, and only a hung agent (or a hung connection to it) meets these.
/// </summary>
public sealed record AgentDeadlines(TimeSpan FirstToken, TimeSpan Idle, TimeSpan Total)
{
    /// <summary>Added to each of the agent's own timeouts.</summary>
    public static readonly TimeSpan Margin = TimeSpan.FromSeconds(5);

    public static AgentDeadlines Default { get; } = new(TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(180));

    public static AgentDeadlines Read(IConfiguration configuration, AgentDeadlines defaults) => new(
        configuration.GetDuration("AGENT_FIRST_TOKEN_TIMEOUT", defaults.FirstToken),
        configuration.GetDuration("AGENT_IDLE_TIMEOUT", defaults.Idle),
        configuration.GetDuration("AGENT_TOTAL_TIMEOUT", defaults.Total));
}

/// <summary>
/// Watches one agent stream against its <see cref="AgentDeadlines"/> with ONE timer: each event only stores a
/// timestamp (<see cref="Observe"/>); the timer is armed for the earliest deadline that could strike, and when it
/// fires it compares the stored timestamps and either cancels <see cref="Token"/> or re-arms for what is left — so it
/// is re-armed at most once per idle period, never per delta.
/// </summary>
public sealed class AgentStreamDeadline : IDisposable
{
    private readonly AgentDeadlines _limits;
    private readonly TimeProvider _time;
    private readonly CancellationTokenSource _cancel;
    private readonly long _started;
    private readonly ITimer _timer;
    private long _lastEvent;
    private int _sawText;
    private string? _expired;

    public AgentStreamDeadline(AgentDeadlines limits, TimeProvider time, CancellationToken cancellationToken)
    {
        _limits = limits;
        _time = time;
        _cancel = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        _started = time.GetTimestamp();
        _lastEvent = _started;
        _timer = time.CreateTimer(static state => ((AgentStreamDeadline)state!).Check(), this, Min(limits.FirstToken, limits.Idle) + AgentDeadlines.Margin, Timeout.InfiniteTimeSpan);
    }

    /// <summary>Cancelled when the caller's token is, or when a deadline passes.</summary>
    public CancellationToken Token => _cancel.Token;

    /// <summary>Which deadline passed, as a sentence naming its variable; null while none has.</summary>
    public string? Expired => Volatile.Read(ref _expired);

    /// <summary>An event arrived (<paramref name="text"/>: it carried text). Two plain writes; no timer is touched.</summary>
    public void Observe(bool text)
    {
        Volatile.Write(ref _lastEvent, _time.GetTimestamp());
        if (text && _sawText == 0)
        {
            Volatile.Write(ref _sawText, 1);
        }
    }

    public void Dispose()
    {
        _timer.Dispose();
        _cancel.Dispose();
    }

    private void Check()
    {
        var now = _time.GetTimestamp();
        var sinceStart = _time.GetElapsedTime(_started, now);
        var sinceEvent = _time.GetElapsedTime(Volatile.Read(ref _lastEvent), now);
        var margin = AgentDeadlines.Margin;
        var sawText = Volatile.Read(ref _sawText) == 1;
        var total = _limits.Total + margin - sinceStart;
        var first = sawText ? TimeSpan.MaxValue : _limits.FirstToken + margin - sinceStart;
        var idle = _limits.Idle + margin - sinceEvent;
        string? expired = null;
        if (total <= TimeSpan.Zero)
        {
            expired = $"the agent's answer took longer than {Seconds(_limits.Total + margin)} s (AGENT_TOTAL_TIMEOUT + {Seconds(margin)} s)";
        }
        else if (first <= TimeSpan.Zero)
        {
            expired = $"the agent sent no text for {Seconds(_limits.FirstToken + margin)} s (AGENT_FIRST_TOKEN_TIMEOUT + {Seconds(margin)} s)";
        }
        else if (idle <= TimeSpan.Zero)
        {
            expired = $"the agent sent nothing for {Seconds(_limits.Idle + margin)} s (AGENT_IDLE_TIMEOUT + {Seconds(margin)} s)";
        }
        var left = Min(total, Min(first, idle));
        if (expired is not null)
        {
            Volatile.Write(ref _expired, expired);
            try
            {
                _cancel.Cancel();
            }
            catch (ObjectDisposedException)
            {
                // The stream ended just now.
            }
            return;
        }
        try
        {
            _timer.Change(left, Timeout.InfiniteTimeSpan);
        }
        catch (ObjectDisposedException)
        {
        }
    }

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;

    private static string Seconds(TimeSpan value) => value.TotalSeconds.ToString("0.###", System.Globalization.CultureInfo.InvariantCulture);
}
