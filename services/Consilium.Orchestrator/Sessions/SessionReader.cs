using System.Runtime.CompilerServices;
using Consilium.Streaming;

namespace Consilium.Orchestrator.Sessions;

/// <summary>Where a reader gets a session's events: a log to replay from, a live feed, and the session's state.</summary>
public interface ISessionSource
{
    /// <summary>Up to a page of events after <paramref name="afterId"/>, in order, from the log.</summary>
    ValueTask<LogPage> ReadLogAsync(long afterId, CancellationToken cancellationToken);

    /// <summary>The next live event not yet handed out, if any (it may repeat or skip ids: the reader checks).</summary>
    bool TryReadLive(long afterId, out SessionEvent item);

    /// <summary>Whether live events were dropped since last asked (the reader then goes back to the log).</summary>
    bool TakeOverflow();

    /// <summary>Completes when a live event after <paramref name="afterId"/> may be ready.</summary>
    Task WaitAsync(long afterId, CancellationToken cancellationToken);

    ValueTask<SessionState> GetStateAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Whether the runner can be lost or the session expire unannounced (a mirror on another replica), so a quiet reader
    /// must check the state every <see cref="SessionStoreOptions.CheckInterval"/>. The in-process log announces its end
    /// itself, so its readers wait without a timer.
    /// </summary>
    bool NeedsChecks { get; }

    /// <summary>The <c>error</c> a reader ends with when the runner was lost, naming the cause.</summary>
    string RunnerLostMessage { get; }
}

/// <summary>A page of the log; <paramref name="More"/> when the page was full and more may follow.</summary>
public readonly record struct LogPage(IReadOnlyList<SessionEvent> Events, bool More);

public enum SessionState
{
    Running,
    Finished,
    RunnerLost,
    Gone,
}

/// <summary>
/// The one reader state machine of the session log, for the in-process log and the Redis mirror alike
/// (docs/streaming.md "Readers"): replay from the log, then follow live; a live event that does not follow the last
/// one delivered (a gap), or an overflow, sends the reader back to the log; stop at the terminal event. When nothing
/// arrives for <see cref="SessionStoreOptions.CheckInterval"/> it asks the session's state: gone ends the stream,
/// finished drains the log, a lost runner drains the log and ends with an <c>error</c> of the next id.
/// </summary>
public static class SessionReader
{
    public static async IAsyncEnumerable<SessionEvent> ReadAsync(
        ISessionSource source,
        long afterId,
        SessionStoreOptions options,
        TimeProvider time,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var last = afterId;
        var catchUp = true;
        // Set once the writer is seen to be finished or lost: the log is read to its end, then the reader ends.
        SessionState? settled = null;
        var before = last;
        while (true)
        {
            if (catchUp)
            {
                catchUp = false;
                while (true)
                {
                    var page = await source.ReadLogAsync(last, cancellationToken).ConfigureAwait(false);
                    foreach (var item in page.Events)
                    {
                        if (item.Id <= last)
                        {
                            continue;
                        }
                        yield return item;
                        last = item.Id;
                        if (item.IsTerminal)
                        {
                            yield break;
                        }
                    }
                    if (!page.More)
                    {
                        break;
                    }
                }
            }
            if (settled is { } writer)
            {
                settled = null;
                if (writer == SessionState.RunnerLost)
                {
                    yield return new SessionEvent(last + 1, SseNames.Error, StreamEvents.Error(ErrorCodes.Unavailable, source.RunnerLostMessage).Data);
                    yield break;
                }
                if (last == before)
                {
                    yield break; // finished, and nothing more will come
                }
            }

            while (source.TryReadLive(last, out var item))
            {
                if (item.Id <= last)
                {
                    continue;
                }
                if (item.Id != last + 1)
                {
                    catchUp = true; // a gap: the log has what the live feed skipped
                    break;
                }
                yield return item;
                last = item.Id;
                if (item.IsTerminal)
                {
                    yield break;
                }
            }
            if (catchUp || source.TakeOverflow())
            {
                catchUp = true;
                continue;
            }

            var woke = true;
            try
            {
                var news = source.WaitAsync(last, cancellationToken);
                if (!news.IsCompleted)
                {
                    await (source.NeedsChecks ? news.WaitAsync(options.CheckInterval, time, cancellationToken) : news.WaitAsync(cancellationToken)).ConfigureAwait(false);
                }
                else
                {
                    await news.ConfigureAwait(false);
                }
            }
            catch (TimeoutException)
            {
                woke = false;
            }
            if (woke)
            {
                continue;
            }

            // Quiet for a while: is anyone still writing this log?
            var state = await source.GetStateAsync(cancellationToken).ConfigureAwait(false);
            if (state == SessionState.Gone)
            {
                yield break;
            }
            if (state == SessionState.Running)
            {
                continue;
            }
            // Finished or lost: what the writer left in the log is read (above) before the reader ends.
            before = last;
            settled = state;
            catchUp = true;
        }
    }
}
