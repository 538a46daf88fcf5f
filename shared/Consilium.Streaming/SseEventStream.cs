using System.Net.ServerSentEvents;
using System.Runtime.CompilerServices;
using System.Threading.Channels;

namespace Consilium.Streaming;

/// <summary>
/// Turns a channel of events into the sequence that <c>TypedResults.ServerSentEvents</c> writes, adding what
/// the framework lacks: a <c>: ping</c> comment whenever nothing was sent for <see cref="SseStreamOptions.HeartbeatInterval"/>,
/// a flush as soon as no further event is ready (nothing waits in a buffer), and a terminal <c>error</c> event when
/// the producer stops without one, so a stream never ends silently.
/// </summary>
/// <remarks>
/// Every write to the response happens on the single enumeration that the formatter drives: the heartbeat is written
/// while the formatter awaits the next item, so writes are serialised by construction.
/// </remarks>
public static class SseEventStream
{
    private static readonly byte[] Ping = ": ping\n\n"u8.ToArray();

    public static async IAsyncEnumerable<SseItem<string>> ReadAllAsync(
        ChannelReader<SseItem<string>> events,
        Stream body,
        SseStreamOptions options,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var sawTerminal = false;
        Task<bool>? pending = null;
        while (true)
        {
            if (pending is null && events.TryRead(out var ready))
            {
                sawTerminal = options.IsTerminal(ready.EventType);
                yield return ready;
                continue;
            }

            // Nothing is ready: push out what the formatter wrote, then wait for the next event or the heartbeat.
            await body.FlushAsync(cancellationToken).ConfigureAwait(false);
            pending ??= events.WaitToReadAsync(cancellationToken).AsTask();
            var completed = await WaitOrHeartbeatAsync(pending, options, cancellationToken).ConfigureAwait(false);
            if (!completed)
            {
                await body.WriteAsync(Ping, cancellationToken).ConfigureAwait(false);
                await body.FlushAsync(cancellationToken).ConfigureAwait(false);
                continue;
            }

            bool more;
            try
            {
                more = await pending.ConfigureAwait(false);
            }
            catch (Exception) when (!cancellationToken.IsCancellationRequested)
            {
                more = false; // the producer faulted: fall through to the terminal guarantee below
            }
            pending = null;
            if (!more)
            {
                break;
            }
        }

        if (!sawTerminal && !cancellationToken.IsCancellationRequested && options.MissingTerminal is { } missing)
        {
            yield return missing();
        }
    }

    private static async Task<bool> WaitOrHeartbeatAsync(Task<bool> pending, SseStreamOptions options, CancellationToken cancellationToken)
    {
        if (pending.IsCompleted)
        {
            return true;
        }
        using var heartbeat = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var delay = Task.Delay(options.HeartbeatInterval, options.TimeProvider, heartbeat.Token);
        var first = await Task.WhenAny(pending, delay).ConfigureAwait(false);
        if (first == pending)
        {
            await heartbeat.CancelAsync().ConfigureAwait(false);
            return true;
        }
        cancellationToken.ThrowIfCancellationRequested();
        return false;
    }
}

/// <summary>How an outgoing event stream behaves.</summary>
public sealed class SseStreamOptions
{
    /// <summary>Send <c>: ping</c> after this long without any other write. The contract requires at most 15 s.</summary>
    public TimeSpan HeartbeatInterval { get; init; } = TimeSpan.FromSeconds(15);

    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    /// <summary>Event names that end the stream.</summary>
    public IReadOnlySet<string> TerminalEvents { get; init; } = new HashSet<string>(StringComparer.Ordinal) { SseNames.Done, SseNames.Error };

    /// <summary>The event sent when the producer completes without a terminal event; <c>null</c> sends nothing.</summary>
    public Func<SseItem<string>>? MissingTerminal { get; init; } = () => StreamEvents.Error(ErrorCodes.Unavailable, "The stream ended before it was complete.");

    public bool IsTerminal(string? eventType) => eventType is not null && TerminalEvents.Contains(eventType);
}
