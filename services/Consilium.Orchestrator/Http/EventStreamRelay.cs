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
        TypedResults.ServerSentEvents(RelayAsync(produce, context.Response.Body, options, logger, context.RequestAborted));

    private static async IAsyncEnumerable<SseItem<string>> RelayAsync(
        Func<CancellationToken, IAsyncEnumerable<SseItem<string>>> produce,
        Stream body,
        SseStreamOptions options,
        ILogger logger,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        using var producing = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var channel = Channel.CreateBounded<SseItem<string>>(new BoundedChannelOptions(Capacity)
        {
            SingleReader = true,
            SingleWriter = true,
            FullMode = BoundedChannelFullMode.Wait,
        });
        var pump = PumpAsync(produce(producing.Token), channel.Writer, logger, producing.Token);
        try
        {
            await foreach (var item in SseEventStream.ReadAllAsync(channel.Reader, body, options, cancellationToken).ConfigureAwait(false))
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
    private static async Task PumpAsync(
        IAsyncEnumerable<SseItem<string>> events,
        ChannelWriter<SseItem<string>> writer,
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

    [LoggerMessage(Level = LogLevel.Error, Message = "An event stream's producer failed; the stream ends with an error event")]
    private static partial void LogProducerFailed(ILogger logger, Exception exception);
}
