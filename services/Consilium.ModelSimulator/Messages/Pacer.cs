namespace Consilium.ModelSimulator.Messages;

/// <summary>
/// When each delta is due: the first after the time to first token, then one every 1/rate seconds, measured from the
/// request's start so the average rate holds even when timers fire late. Waits are timer-based (no thread per stream).
/// </summary>
public sealed class Pacer(TimeProvider time, long startTimestamp, int ttftMs, double tokensPerSecond)
{
    public TimeSpan DueAt(int index) =>
        TimeSpan.FromMilliseconds(ttftMs) + (tokensPerSecond > 0 ? TimeSpan.FromSeconds(index / tokensPerSecond) : TimeSpan.Zero);

    /// <summary>Waits until delta <paramref name="index"/> (0-based) is due; returns at once when it already is.</summary>
    public Task WaitForAsync(int index, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var wait = DueAt(index) - time.GetElapsedTime(startTimestamp);
        return wait > TimeSpan.Zero ? Task.Delay(wait, time, cancellationToken) : Task.CompletedTask;
    }
}
