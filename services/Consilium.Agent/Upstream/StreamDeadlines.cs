using Consilium.Agent.Options;

namespace Consilium.Agent.Upstream;

/// <summary>
/// The three clocks of one answer (docs/api.md#agent-service-internal) and the client's own cancellation, folded into one token that every
/// upstream call uses: when any of them fires, the call in flight is cancelled.
/// </summary>
/// <remarks>
/// First token runs from the request to the first text delta, across every model tried. Idle runs only while a model
/// stream is open and restarts with every event it sends. Total covers everything. All three run on the
/// <see cref="TimeProvider"/>, so tests can drive them.
/// </remarks>
public sealed class StreamDeadlines : IDisposable
{
    private readonly TimeoutOptions _timeouts;
    private readonly CancellationTokenSource _total;
    private readonly CancellationTokenSource _firstToken;
    private readonly CancellationTokenSource _idle;
    private readonly CancellationTokenSource _any;
    private readonly TimeProvider _time;
    private readonly ITimer _idleTimer;
    private readonly Lock _gate = new();
    private long _lastActivity;
    private bool _streamOpen;
    private bool _disposed;

    public StreamDeadlines(TimeoutOptions timeouts, TimeProvider time, CancellationToken clientAborted)
    {
        _timeouts = timeouts;
        _time = time;
        _total = new CancellationTokenSource(timeouts.Total, time);
        _firstToken = new CancellationTokenSource(timeouts.FirstToken, time);
        _idle = new CancellationTokenSource();
        _any = CancellationTokenSource.CreateLinkedTokenSource(clientAborted, _total.Token, _firstToken.Token, _idle.Token);
        _idleTimer = time.CreateTimer(static state => ((StreamDeadlines)state!).IdleTimerFired(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    /// <summary>Cancelled when the client goes away or any deadline passes.</summary>
    public CancellationToken Token => _any.Token;

    /// <summary>The model stream sent something (or just opened): the idle clock starts again.</summary>
    public void Activity()
    {
        Volatile.Write(ref _lastActivity, _time.GetTimestamp());
        if (!Volatile.Read(ref _streamOpen))
        {
            lock (_gate)
            {
                _streamOpen = true;
                _idleTimer.Change(_timeouts.Idle, Timeout.InfiniteTimeSpan);
            }
        }
    }

    /// <summary>No model stream is open (between fallbacks): silence is not idleness.</summary>
    public void StreamClosed()
    {
        lock (_gate)
        {
            _streamOpen = false;
            _idleTimer.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        }
    }

    private void IdleTimerFired()
    {
        lock (_gate)
        {
            if (!_streamOpen || _disposed)
            {
                return;
            }
            var silent = _time.GetElapsedTime(Volatile.Read(ref _lastActivity));
            if (silent < _timeouts.Idle)
            {
                _idleTimer.Change(_timeouts.Idle - silent, Timeout.InfiniteTimeSpan);
                return;
            }
            // Under the lock, so a Dispose racing with the timer never meets a disposed source.
            _idle.Cancel();
        }
    }

    /// <summary>The first text arrived: the first-token clock stops for good.</summary>
    public void FirstTokenArrived() => _firstToken.CancelAfter(Timeout.InfiniteTimeSpan);

    /// <summary>Which deadline passed, as the message of the terminal <c>error</c>; <c>null</c> if none did.</summary>
    public string? Expired() =>
        _total.IsCancellationRequested ? $"The answer took longer than {Format(_timeouts.Total)} (AGENT_TOTAL_TIMEOUT)."
        : _firstToken.IsCancellationRequested ? $"No text from the model within {Format(_timeouts.FirstToken)} (AGENT_FIRST_TOKEN_TIMEOUT)."
        : _idle.IsCancellationRequested ? $"The model stream was silent for {Format(_timeouts.Idle)} (AGENT_IDLE_TIMEOUT)."
        : null;

    public void Dispose()
    {
        lock (_gate)
        {
            _disposed = true;
        }
        _idleTimer.Dispose();
        _any.Dispose();
        _idle.Dispose();
        _firstToken.Dispose();
        _total.Dispose();
    }

    private static string Format(TimeSpan span) => $"{span.TotalSeconds:0.###} s";
}
