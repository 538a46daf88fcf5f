using System.Net.ServerSentEvents;
using System.Runtime.CompilerServices;
using System.Threading.Channels;

namespace Consilium.Streaming;

/// <summary>
/// Turns a channel of events into the sequence that <c>TypedResults.ServerSentEvents</c> (or
/// <see cref="SseFormatter"/>) writes, adding what the framework lacks: a <c>: ping</c> comment whenever nothing was
/// sent for <see cref="SseStreamOptions.HeartbeatInterval"/>, a flush as soon as no further event is ready (nothing
/// waits in a buffer), and a terminal <c>error</c> event when the producer stops (or faults) without a terminal event,
/// so a stream never ends silently. Nothing is sent after a terminal event.
/// </summary>
/// <remarks>
/// <para>Every write to the response happens on the single enumeration that the formatter drives: the formatter writes
/// each event with one write before it asks for the next, and the flush and heartbeat are written while it waits for
/// that next item. Writes are therefore serialised by construction; the <c>body</c> given to <see cref="ReadAllAsync"/> must be the stream the
/// formatter writes to.</para>
/// <para>Event framing cannot be broken by data: <see cref="SseItem{T}"/> refuses line breaks in the event type and id,
/// and the formatter writes every line of the data as its own <c>data:</c> line. SSE cannot carry a carriage return
/// in data, though: a lone <c>\r</c> or a <c>\r\n</c> arrives as <c>\n</c>. Consilium's data is always JSON, where
/// both are escaped, so it arrives byte for byte.</para>
/// </remarks>
public static class SseEventStream
{
    private static readonly ReadOnlyMemory<byte> Ping = ": ping\n\n"u8.ToArray();

    /// <param name="writeTimedOut">
    /// Called once when a write to the client has not completed within <see cref="SseStreamOptions.WriteTimeout"/>
    /// (the caller aborts the connection); null turns the cut-off off.
    /// </param>
    public static IAsyncEnumerable<SseItem<string>> ReadAllAsync(
        ChannelReader<SseItem<string>> events,
        Stream body,
        SseStreamOptions options,
        CancellationToken cancellationToken = default,
        Action? writeTimedOut = null) =>
        ReadAllAsync(events, body, options, options?.MissingTerminal, cancellationToken, writeTimedOut);

    /// <summary>
    /// The same for events of any data type (e.g. the UTF-8 bytes a hop forwards verbatim, which
    /// <c>TypedResults.ServerSentEvents</c> writes as they are); <paramref name="missingTerminal"/> makes the event sent
    /// when the producer stops without a terminal one (<c>null</c>: nothing).
    /// </summary>
    public static async IAsyncEnumerable<SseItem<T>> ReadAllAsync<T>(
        ChannelReader<SseItem<T>> events,
        Stream body,
        SseStreamOptions options,
        Func<SseItem<T>>? missingTerminal,
        [EnumeratorCancellation] CancellationToken cancellationToken = default,
        Action? writeTimedOut = null)
    {
        ArgumentNullException.ThrowIfNull(events);
        ArgumentNullException.ThrowIfNull(body);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(options.HeartbeatInterval, TimeSpan.Zero);

        using var heartbeat = new Heartbeat(options, cancellationToken);
        // The formatter writes each item before it asks for the next, so the time between a yield and the next call
        // is that item's write; flushes and pings are armed here.
        using var deadline = new WriteDeadline(options.WriteTimeout, writeTimedOut, options.TimeProvider);
        using var tally = new SseStreamTally();
        while (true)
        {
            // A disconnected client is seen here even while events keep coming (writes to it may not fail).
            cancellationToken.ThrowIfCancellationRequested();

            // Hot path: while events are ready they are handed over one after another with no timer and no flush.
            if (events.TryRead(out var item))
            {
                deadline.Arm();
                tally.Add(item);
                yield return item;
                if (!deadline.Disarm())
                {
                    yield break;
                }
                if (options.IsTerminal(item.EventType))
                {
                    yield break;
                }
                continue;
            }

            // Nothing is ready: push out what the formatter wrote, then wait for the next event or the heartbeat.
            // The timer is armed before the flush, so the silence is measured from the last write.
            var waiting = heartbeat.Arm();
            deadline.Arm();
            await body.FlushAsync(cancellationToken).ConfigureAwait(false);
            if (!deadline.Disarm())
            {
                yield break;
            }
            bool more;
            var pingDue = false;
            try
            {
                more = await events.WaitToReadAsync(waiting).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (heartbeat.IsDue)
            {
                (more, pingDue) = (true, true);
            }
            catch (Exception) when (!cancellationToken.IsCancellationRequested)
            {
                more = false; // the producer faulted: the terminal guarantee below reports it
            }

            if (pingDue)
            {
                // Flushed with whatever follows, as soon as nothing further is ready (the top of the loop).
                deadline.Arm();
                await body.WriteAsync(Ping, cancellationToken).ConfigureAwait(false);
                if (!deadline.Disarm())
                {
                    yield break;
                }
            }
            else if (!more)
            {
                break;
            }
        }

        if (!cancellationToken.IsCancellationRequested && missingTerminal is { } missing)
        {
            var last = missing();
            tally.Add(last);
            yield return last;
        }
    }

    /// <summary>
    /// One timer-backed token source per stream, re-armed each time the stream starts waiting; a new source is made
    /// only after a heartbeat fired (or the timer beat a just-completed wait), at most once per interval.
    /// </summary>
    private sealed class Heartbeat(SseStreamOptions options, CancellationToken stopping) : IDisposable
    {
        private CancellationTokenSource? _source;
        private CancellationTokenRegistration _stopping;

        /// <summary>Whether the last wait was cancelled by the heartbeat rather than by the caller.</summary>
        public bool IsDue => _source is { IsCancellationRequested: true } && !stopping.IsCancellationRequested;

        /// <summary>Starts the interval; the token is cancelled when it passes or when the caller cancels.</summary>
        public CancellationToken Arm()
        {
            if (_source is null || !_source.TryReset())
            {
                Dispose();
                _source = new CancellationTokenSource(Timeout.InfiniteTimeSpan, options.TimeProvider);
                _stopping = stopping.UnsafeRegister(static source => ((CancellationTokenSource)source!).Cancel(), _source);
            }
            _source.CancelAfter(options.HeartbeatInterval);
            return _source.Token;
        }

        public void Dispose()
        {
            _stopping.Dispose();
            _source?.Dispose();
        }
    }
}

/// <summary>How an outgoing event stream behaves.</summary>
public sealed class SseStreamOptions
{
    /// <summary>Send <c>: ping</c> after this long without any other write. The contract requires at most 15 s.</summary>
    public TimeSpan HeartbeatInterval { get; init; } = TimeSpan.FromSeconds(15);

    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    /// <summary>
    /// <c>SSE_WRITE_TIMEOUT</c>: a write (or flush) to the client that has not completed after this long ends the
    /// stream (the caller aborts the connection). <c>null</c>: no cut-off.
    /// </summary>
    public TimeSpan? WriteTimeout { get; init; }

    /// <summary>
    /// Event names that end the stream; nothing is sent after the first of them. <c>null</c> (the default): the
    /// contract's <c>done</c> and <c>error</c> (<see cref="SseNames.IsTerminal"/>).
    /// </summary>
    public IReadOnlySet<string>? TerminalEvents { get; init; }

    /// <summary>
    /// The event sent when the producer completes (or faults) without a terminal event; <c>null</c> sends nothing.
    /// Not sent when the stream was cancelled: nobody is listening any more.
    /// </summary>
    public Func<SseItem<string>>? MissingTerminal { get; init; } = () => StreamEvents.Error(ErrorCodes.Unavailable, "The stream ended before it was complete.");

    public bool IsTerminal(string? eventType) =>
        TerminalEvents is null ? SseNames.IsTerminal(eventType) : eventType is not null && TerminalEvents.Contains(eventType);
}
