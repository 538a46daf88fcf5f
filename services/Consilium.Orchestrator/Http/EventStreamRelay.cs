using System.Net.ServerSentEvents;
using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Consilium.Streaming;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Consilium.Orchestrator.Http;

/// <summary>
/// Sends a producer's events to the client as <c>text/event-stream</c>: each event as soon as it arrives,
/// <c>: ping</c> while nothing arrives, exactly one terminal event. When the response ends for any reason
/// (the client went away, the write failed) the producer is cancelled at once.
/// </summary>
public static partial class EventStreamRelay
{
    /// <summary>Events that may wait for a slow client before the producer is held back.</summary>
    private const int Capacity = 64;

    public static ServerSentEventsResult<string> Relay(
        HttpContext context,
        Func<CancellationToken, IAsyncEnumerable<SseItem<string>>> produce,
        SseStreamOptions options,
        ILogger logger) =>
        TypedResults.ServerSentEvents(RelayAsync(produce, context.Response.Body, options, options.MissingTerminal, logger, context.RequestAborted, DropSlowReader(context, options, logger)));

    /// <summary>
    /// The same for events whose data are UTF-8 bytes forwarded verbatim (<c>TypedResults.ServerSentEvents</c> writes a
    /// <c>byte[]</c> as it is): no decoding or encoding on the way through.
    /// </summary>
    public static ServerSentEventsResult<byte[]> RelayUtf8(
        HttpContext context,
        Func<CancellationToken, IAsyncEnumerable<SseItem<byte[]>>> produce,
        SseStreamOptions options,
        ILogger logger)
    {
        Func<SseItem<byte[]>>? missing = options.MissingTerminal is { } make ? () => StreamEvents.Utf8(make()) : null;
        return TypedResults.ServerSentEvents(RelayAsync(produce, context.Response.Body, options, missing, logger, context.RequestAborted, DropSlowReader(context, options, logger)));
    }

    /// <summary>SSE_WRITE_TIMEOUT: the client has not taken a write for that long; dropping it ends the stream like a disconnect.</summary>
    private static Action DropSlowReader(HttpContext context, SseStreamOptions options, ILogger logger) => () =>
    {
        LogSlowReader(logger, options.WriteTimeout.GetValueOrDefault().TotalSeconds);
        context.Abort();
    };

    private static async IAsyncEnumerable<SseItem<T>> RelayAsync<T>(
        Func<CancellationToken, IAsyncEnumerable<SseItem<T>>> produce,
        Stream body,
        SseStreamOptions options,
        Func<SseItem<T>>? missingTerminal,
        ILogger logger,
        [EnumeratorCancellation] CancellationToken cancellationToken,
        Action writeTimedOut)
    {
        using var producing = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var channel = Channel.CreateBounded<SseItem<T>>(new BoundedChannelOptions(Capacity)
        {
            SingleReader = true,
            SingleWriter = true,
            FullMode = BoundedChannelFullMode.Wait,
        });
        var pump = PumpAsync(produce(producing.Token), channel.Writer, logger, producing.Token);
        try
        {
            await foreach (var item in SseEventStream.ReadAllAsync(channel.Reader, body, options, missingTerminal, cancellationToken, writeTimedOut).ConfigureAwait(false))
            {
                yield return item;
            }
        }
        finally
        {
            await producing.CancelAsync().ConfigureAwait(false);
            await pump.ConfigureAwait(false);
        }
    }

    /// <summary>Moves events into the channel; never throws (a failure completes the channel, which ends the stream with an error).</summary>
    private static async Task PumpAsync<T>(
        IAsyncEnumerable<SseItem<T>> events,
        ChannelWriter<SseItem<T>> writer,
        ILogger logger,
        CancellationToken cancellationToken)
    {
        try
        {
            await foreach (var item in events.WithCancellation(cancellationToken).ConfigureAwait(false))
            {
                await writer.WriteAsync(item, cancellationToken).ConfigureAwait(false);
            }
            writer.TryComplete();
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            writer.TryComplete();
        }
        catch (Exception ex)
        {
            LogProducerFailed(logger, ex);
            writer.TryComplete(ex);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "A client took no write for {Seconds} s (SSE_WRITE_TIMEOUT); its stream is closed")]
    private static partial void LogSlowReader(ILogger logger, double seconds);

    [LoggerMessage(Level = LogLevel.Error, Message = "An event stream's producer failed; the stream ends with an error event")]
    private static partial void LogProducerFailed(ILogger logger, Exception exception);
}
