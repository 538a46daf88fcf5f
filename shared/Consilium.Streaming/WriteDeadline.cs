namespace Consilium.Streaming;

/// <summary>
/// The slow-reader cut-off of one outgoing stream (<c>SSE_WRITE_TIMEOUT</c>, docs/reliability.md): armed while a write
/// or flush to the client is in progress, disarmed when it completes; a write that has not completed within the
/// timeout calls <c>timedOut</c> once (the caller aborts the connection, which ends the stream and frees its slot).
/// One timer per stream, moved with <see cref="ITimer.Change"/>: nothing is allocated per event. (Not a reusable
/// <see cref="CancellationTokenSource"/>: its <c>TryReset</c> also drops the registered callback.)
/// </summary>
internal sealed class WriteDeadline : IDisposable
{
    private readonly TimeSpan _timeout;
    private readonly ITimer? _timer;
    private readonly Action? _timedOut;
    private int _expired;

    public WriteDeadline(TimeSpan? timeout, Action? timedOut, TimeProvider time)
    {
        if (timeout is not { } value || value <= TimeSpan.Zero || timedOut is null)
        {
            return; // no cut-off: every call below does nothing
        }
        _timeout = value;
        _timedOut = timedOut;
        _timer = time.CreateTimer(static state => ((WriteDeadline)state!).Expire(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    /// <summary>A write to the client starts now.</summary>
    public void Arm() => _timer?.Change(_timeout, Timeout.InfiniteTimeSpan);

    /// <summary>The write completed; false when the deadline had already passed (the connection is being aborted).</summary>
    public bool Disarm()
    {
        _timer?.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        return Volatile.Read(ref _expired) == 0;
    }

    public void Dispose() => _timer?.Dispose();

    private void Expire()
    {
        if (Interlocked.Exchange(ref _expired, 1) == 0)
        {
            _timedOut!();
        }
    }
}
