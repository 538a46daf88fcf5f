using System.Net.ServerSentEvents;
using System.Text;
using System.Threading.Channels;
using Consilium.Agent.Options;
using Consilium.Agent.Personas;
using Consilium.Agent.Telemetry;
using Consilium.Anthropic;
using Consilium.Contracts;
using Consilium.Streaming;
using Microsoft.Extensions.Options;

namespace Consilium.Agent.Upstream;

/// <summary>
/// Answers one question by walking <c>CONSILIUM_MODELS</c> (docs/api.md#agent-service-internal). Each model's Anthropic events are forwarded
/// verbatim the moment they arrive. A model that fails with 429, 5xx, 529, a connection failure or an in-stream
/// <c>error</c> before any text was forwarded is replaced by the next one, announced by a <c>retry</c> event (after
/// waiting out a short <c>retry-after</c>). Once text was forwarded nothing switches: any failure ends the stream with
/// <c>error</c>. Every run writes exactly one terminal event, <c>done</c> or <c>error</c>, unless the client went away.
/// </summary>
public sealed partial class ModelFallbackChain(
    AnthropicClient client,
    AnthropicRequestBuilder requests,
    IOptions<UpstreamOptions> upstream,
    IOptions<TimeoutOptions> timeouts,
    TimeProvider time,
    AgentMetrics metrics,
    ModelCircuits circuits,
    ChatTelemetry telemetry,
    ILogger<ModelFallbackChain> logger)
{
    public async Task RunAsync(Persona persona, AskRequest ask, ChannelWriter<SseItem<byte[]>> output, CancellationToken clientAborted)
    {
        var answer = new AnswerProgress(time);
        using var open = metrics.StreamOpened(persona.Id);
        using var deadlines = new StreamDeadlines(timeouts.Value, time, clientAborted);
        SseItem<string>? terminal;
        try
        {
            terminal = await WalkAsync(persona, ask, output, deadlines, answer).ConfigureAwait(false);
        }
        catch (Exception) when (deadlines.Token.IsCancellationRequested)
        {
            // The in-flight upstream call was cancelled with the token: by a deadline, or because the client left.
            if (deadlines.Expired() is { } reason)
            {
                LogTimedOut(persona.Id, answer.Model, reason);
                terminal = StreamEvents.Error(ErrorCodes.Timeout, reason);
                metrics.Answered(persona.Id, ErrorCodes.Timeout);
            }
            else
            {
                LogClientLeft(persona.Id, answer.Model);
                terminal = null;
            }
        }
        catch (Exception ex)
        {
            LogUnexpected(persona.Id, ex);
            terminal = StreamEvents.Error(ErrorCodes.UpstreamError, "The agent failed while reading the model's answer.");
            metrics.Answered(persona.Id, ErrorCodes.UpstreamError);
        }

        if (terminal is { } last)
        {
            output.TryWrite(StreamEvents.Utf8(last));
        }
        output.TryComplete();
    }

    private async Task<SseItem<string>> WalkAsync(
        Persona persona, AskRequest ask, ChannelWriter<SseItem<byte[]>> output, StreamDeadlines deadlines, AnswerProgress answer)
    {
        var models = client.Upstream.Models;
        for (var index = 0; ; index++)
        {
            var model = models[index];
            // Per attempt, never per delta: the model's circuit may skip it (docs/reliability.md, "Circuit breaker per model");
            // the chat span opens only for an attempt that is made.
            ChatSpan? span = null;
            var (skipped, failure) = await circuits.AttemptAsync(
                model, index < models.Count - 1,
                () => AttemptAsync(model, persona, ask, output, deadlines, answer, span = telemetry.Start(persona.Id, model, ask.Message, ask.SessionId)),
                deadlines.Token).ConfigureAwait(false);
            if (skipped)
            {
                metrics.Fallback(persona.Id, model, 0);
                output.TryWrite(StreamEvents.Utf8(StreamEvents.Retry(model, 0, models[index + 1])));
                continue;
            }
            using var chat = span!;
            deadlines.StreamClosed();
            if (failure is null)
            {
                chat.Succeeded(answer.Usage);
                var durationMs = answer.DurationMs;
                LogAnswered(persona.Id, model, answer.TtftMs, durationMs);
                metrics.Answered(persona.Id, SseNames.Done);
                return StreamEvents.Done(model, answer.Usage, answer.TtftMs, durationMs);
            }

            var isLast = index == models.Count - 1;
            if (!failure.Retryable || isLast)
            {
                var reason = failure.Reason.TrimEnd('.');
                var message = answer.TextForwarded || !failure.Retryable
                    ? $"{model} failed: {reason}."
                    : $"Every model in CONSILIUM_MODELS failed; the last, {model}: {reason}.";
                LogFailed(persona.Id, model, failure.Code, failure.Reason);
                chat.Failed(failure, nextModel: null, answer.Usage);
                metrics.Answered(persona.Id, failure.Code);
                return StreamEvents.Error(failure.Code, message);
            }

            var next = models[index + 1];
            chat.Failed(failure, next, answer.Usage);
            LogFallback(persona.Id, model, failure.Status, failure.Reason, next);
            metrics.Fallback(persona.Id, model, failure.Status);
            output.TryWrite(StreamEvents.Utf8(StreamEvents.Retry(model, failure.Status, next)));
            if (failure.RetryAfter is { } wait && wait > TimeSpan.Zero && wait <= upstream.Value.RetryAfterCap)
            {
                await Task.Delay(wait, time, deadlines.Token).ConfigureAwait(false);
            }
        }
    }

    /// <summary>One model's attempt. Returns <c>null</c> when it finished with <c>message_stop</c>.</summary>
    private async Task<AttemptFailure?> AttemptAsync(
        string model, Persona persona, AskRequest ask, ChannelWriter<SseItem<byte[]>> output, StreamDeadlines deadlines, AnswerProgress answer,
        ChatSpan chat)
    {
        var cancellationToken = deadlines.Token;
        HttpResponseMessage response;
        try
        {
            response = await client.SendAsync(requests.Build(model, persona, ask), cancellationToken).ConfigureAwait(false);
        }
        catch (HttpRequestException ex) when (!cancellationToken.IsCancellationRequested)
        {
            return AttemptFailure.Unreachable(ex);
        }

        using (response)
        {
            if (!response.IsSuccessStatusCode)
            {
                return await AttemptFailure.FromResponseAsync(response, time, cancellationToken).ConfigureAwait(false);
            }

            deadlines.Activity();
            answer.Begin(model);
            try
            {
                var body = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
                // Events stay the UTF-8 bytes that arrived and are forwarded as they are; each is read once without
                // building anything (AnthropicEventKind), and only the few that carry usage or an error are decoded.
                await foreach (var item in SseReader.ReadUtf8Async(body, cancellationToken).ConfigureAwait(false))
                {
                    deadlines.Activity();
                    var kind = AnthropicEventKind.Scan(item.EventType, item.Data);
                    var firstText = false;
                    if (kind.NeedsFullParse || item.EventType == SseNames.Error)
                    {
                        var streamEvent = AnthropicStreamEvent.Parse(item.EventType, Encoding.UTF8.GetString(item.Data));
                        chat.Observe(streamEvent);
                        if (streamEvent.Type == AnthropicEventNames.Error || item.EventType == SseNames.Error)
                        {
                            // Never forwarded: our own terminal `error` (or a `retry`) speaks for it.
                            return AttemptFailure.InStream(streamEvent.ErrorType, streamEvent.ErrorMessage, answer.TextForwarded);
                        }
                        firstText = answer.Observe(streamEvent);
                    }
                    else if (kind.IsTextDelta)
                    {
                        firstText = answer.TextSeen();
                    }
                    if (firstText)
                    {
                        deadlines.FirstTokenArrived();
                        chat.FirstToken();
                        metrics.FirstToken(persona.Id, model, answer.TtftMs ?? 0);
                    }
                    output.TryWrite(item);
                    if (kind.Type == AnthropicEventNames.MessageStop)
                    {
                        return null;
                    }
                }
                return AttemptFailure.Broken("the stream ended before message_stop", answer.TextForwarded);
            }
            catch (Exception ex) when (ex is HttpRequestException or IOException && !cancellationToken.IsCancellationRequested)
            {
                return AttemptFailure.Broken($"the stream broke: {AttemptFailure.Describe(ex)}", answer.TextForwarded);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Agent {AgentId}: model {Model} failed with status {Status} ({Reason}); falling back to {NextModel}")]
    private partial void LogFallback(string agentId, string model, int status, string reason, string nextModel);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Agent {AgentId}: answer failed with {Code} on model {Model}: {Reason}")]
    private partial void LogFailed(string agentId, string model, string code, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Agent {AgentId}: answer from model {Model} timed out: {Reason}")]
    private partial void LogTimedOut(string agentId, string model, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Agent {AgentId}: the client went away; the call to model {Model} was cancelled")]
    private partial void LogClientLeft(string agentId, string model);

    [LoggerMessage(Level = LogLevel.Information, Message = "Agent {AgentId}: answered with {Model}, first token after {TtftMs} ms, done after {DurationMs} ms")]
    private partial void LogAnswered(string agentId, string model, long? ttftMs, long durationMs);

    [LoggerMessage(Level = LogLevel.Error, Message = "Agent {AgentId}: the answer failed unexpectedly")]
    private partial void LogUnexpected(string agentId, Exception exception);
}
