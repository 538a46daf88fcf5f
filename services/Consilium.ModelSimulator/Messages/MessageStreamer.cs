using Consilium.ModelSimulator.Caching;
using Consilium.ModelSimulator.Faults;
using Consilium.ModelSimulator.Generation;
using Consilium.ModelSimulator.Observability;
using Microsoft.AspNetCore.Http.Features;

namespace Consilium.ModelSimulator.Messages;

/// <summary>What one answer needs: the message id, the text to send, the usage to report and how to behave.</summary>
public sealed record AnswerJob(string MessageId, string Model, AnswerPlan Plan, PromptUsage Usage, RequestBehavior Behavior, Pacer Pacer);

/// <summary>
/// Sends an answer as the real API's event sequence: <c>message_start</c>, <c>content_block_start</c>, <c>ping</c>,
/// one <c>content_block_delta</c> per token, <c>content_block_stop</c>, <c>message_delta</c>, <c>message_stop</c> —
/// with in-stream faults (<c>error</c>, <c>stall</c>, <c>drop</c>) after <c>after</c> deltas.
/// </summary>
public sealed class MessageStreamer(TimeProvider time)
{
    /// <summary>How long a <c>drop</c> waits after its last delta, so the client has received them before the reset.</summary>
    private static readonly TimeSpan DropGrace = TimeSpan.FromMilliseconds(100);

    private static readonly ErrorBody Overloaded = new(new ErrorDetail("overloaded_error", "Overloaded"));

    /// <summary>Streams the answer and returns the outcome (<see cref="Outcomes"/>).</summary>
    public async Task<string> StreamAsync(HttpContext http, AnswerJob job, RequestRecord record)
    {
        var cancel = http.RequestAborted;
        var response = http.Response;
        response.StatusCode = StatusCodes.Status200OK;
        response.ContentType = "text/event-stream; charset=utf-8";
        response.Headers.CacheControl = "no-cache";
        http.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();

        using var sse = new SseWriter(response.BodyWriter);
        var start = new MessageBody(job.MessageId, job.Model, [], null, null, UsageBody.From(job.Usage, 1));
        await sse.WriteAsync("message_start", new MessageStartEvent(start), cancel);
        await sse.WriteAsync("content_block_start", new ContentBlockStartEvent(0, new TextBlock("")), cancel);
        await sse.WriteAsync("ping", new PingEvent(), cancel);

        var fault = job.Behavior.Fault is FaultKind.StreamError or FaultKind.Stall or FaultKind.Drop ? job.Behavior.Fault : null;
        var deltas = job.Plan.Deltas;
        for (var i = 0; i <= deltas.Count; i++)
        {
            if (fault is { } kind && i == Math.Min(job.Behavior.After, deltas.Count))
            {
                return await FaultAsync(http, sse, kind, cancel);
            }
            if (i == deltas.Count)
            {
                break;
            }
            await job.Pacer.WaitForAsync(i, cancel);
            await sse.WriteTextDeltaAsync(deltas[i], cancel);
            record.Deltas = i + 1;
        }

        await sse.WriteAsync("content_block_stop", new ContentBlockStopEvent(0), cancel);
        var stop = new MessageDeltaBody(job.Plan.StopReason, job.Plan.StopSequence);
        await sse.WriteAsync("message_delta", new MessageDeltaEvent(stop, DeltaUsageBody.From(job.Usage, deltas.Count)), cancel);
        await sse.WriteAsync("message_stop", new MessageStopEvent(), cancel);
        return Outcomes.Completed;
    }

    private async Task<string> FaultAsync(HttpContext http, SseWriter sse, FaultKind kind, CancellationToken cancel)
    {
        switch (kind)
        {
            case FaultKind.StreamError:
                await sse.WriteAsync("error", Overloaded, cancel);
                break;
            case FaultKind.Stall:
                try
                {
                    await Task.Delay(Timeout.InfiniteTimeSpan, time, cancel);
                }
                catch (OperationCanceledException)
                {
                    // The client gave up: that is how a stall ends.
                }
                break;
            default:
                // Let the deltas already written leave the server, then reset the connection mid-stream.
                await Task.Delay(DropGrace, time, cancel);
                http.Abort();
                break;
        }
        return Outcomes.Faulted;
    }
}
