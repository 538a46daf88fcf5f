using System.Text.Json;
using Consilium.ModelSimulator.Api;
using Consilium.ModelSimulator.Caching;
using Consilium.ModelSimulator.Faults;
using Consilium.ModelSimulator.Generation;
using Consilium.ModelSimulator.Observability;
using Consilium.ModelSimulator.Options;
using Consilium.ModelSimulator.Startup;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace Consilium.ModelSimulator.Messages;

/// <summary>
/// <c>POST /v1/messages</c>: checks the request in the real API's order (key, <c>anthropic-version</c>, body, model),
/// applies directives, accounts the prompt cache and answers — streamed or as one message.
/// </summary>
public sealed partial class MessageHandler(
    RequestLog log,
    PromptCache cache,
    MessageStreamer streamer,
    IOptions<SimulatorOptions> options,
    TimeProvider time,
    SimulatorWarmUp warmUp,
    ILogger<MessageHandler> logger)
{
    public const string DirectivesHeader = "x-sim-directives";
    public const string VersionHeader = "anthropic-version";

    private readonly record struct Reply(
        Results<JsonHttpResult<ErrorBody>, JsonHttpResult<MessageBody>, EmptyHttpResult> Result, string Outcome, int Status);

    public async Task<Results<JsonHttpResult<ErrorBody>, JsonHttpResult<MessageBody>, EmptyHttpResult>> HandleAsync(HttpContext http)
    {
        var started = time.GetTimestamp();
        var record = log.Begin(RequestIds.Assign(http), unlisted: warmUp.IsWarmUp(http));
        record.AnthropicVersion = HeaderOrNull(http, VersionHeader);
        var outcome = Outcomes.Error;
        var status = StatusCodes.Status500InternalServerError;
        try
        {
            var reply = await RespondAsync(http, record, started);
            (outcome, status) = (reply.Outcome, reply.Status);
            return reply.Result;
        }
        catch (Exception ex) when (http.RequestAborted.IsCancellationRequested && ex is OperationCanceledException or IOException)
        {
            outcome = Outcomes.Cancelled;
            status = http.Response.HasStarted ? StatusCodes.Status200OK : StatusCodes.Status499ClientClosedRequest;
            return TypedResults.Empty;
        }
        finally
        {
            log.End(record, outcome, status);
            LogFinished(logger, record.Id, record.Model, record.Seat, outcome, status, record.Deltas);
        }
    }

    private async Task<Reply> RespondAsync(HttpContext http, RequestRecord record, long started)
    {
        if (options.Value.ApiKey is { } key && !HasKey(http, key))
        {
            return Refuse(AnthropicErrors.Authentication(http));
        }
        if (record.AnthropicVersion is null)
        {
            return Refuse(AnthropicErrors.InvalidRequest(http, "anthropic-version: header is required"));
        }

        MessageRequest? request;
        string? error;
        try
        {
            using var body = await JsonDocument.ParseAsync(http.Request.Body, default, http.RequestAborted);
            MessageRequestParser.TryParse(body.RootElement, out request, out error);
        }
        catch (JsonException)
        {
            return Refuse(AnthropicErrors.InvalidRequest(http, "There was an error parsing the body of your request. Please ensure it is valid JSON."));
        }
        if (request is null)
        {
            return Refuse(AnthropicErrors.InvalidRequest(http, error!));
        }
        (record.Model, record.Seat, record.Stream, record.CacheControl) =
            (request.Model, request.Seat, request.Stream, request.SystemHasCacheControl);
        record.Messages = request.Turns;
        if (!request.Model.StartsWith("claude-", StringComparison.Ordinal))
        {
            return Refuse(AnthropicErrors.NotFound(http, request.Model));
        }

        IReadOnlyList<SimDirective> headerDirectives = [];
        if (HeaderOrNull(http, DirectivesHeader) is { } header && !DirectiveParser.TryParseList(header, out headerDirectives, out var headerError))
        {
            return Refuse(AnthropicErrors.InvalidRequest(http, $"{DirectivesHeader}: {headerError}"));
        }
        var behavior = RequestBehavior.Resolve(
            options.Value, [.. options.Value.Faults, .. headerDirectives, .. request.TextDirectives], request.Model, request.Seat, request.Hash);
        record.Fault = behavior.Fault?.ToString();

        if (behavior.Fault is FaultKind.RateLimited or FaultKind.ServerError or FaultKind.Overloaded)
        {
            var injected = AnthropicErrors.Injected(http, behavior.Fault.Value, behavior.RetryAfterSeconds);
            return new Reply(injected, Outcomes.Faulted, injected.StatusCode ?? 500);
        }

        var usage = cache.Account(request);
        (record.InputTokens, record.CacheCreationInputTokens, record.CacheReadInputTokens) =
            (usage.InputTokens, usage.CacheCreationInputTokens, usage.CacheReadInputTokens);
        var plan = AnswerPlan.For(request, behavior);
        var job = new AnswerJob(
            RequestIds.NewMessageId(), request.Model, plan, usage, behavior,
            new Pacer(time, started, behavior.TtftMs, behavior.TokensPerSecond));

        if (request.Stream)
        {
            var outcome = await streamer.StreamAsync(http, job, record);
            return new Reply(TypedResults.Empty, outcome, StatusCodes.Status200OK);
        }
        return await AnswerWholeAsync(http, job, record);
    }

    /// <summary>
    /// A non-streaming answer arrives when the last token would have. In-stream faults map to what a client of the
    /// non-streaming API would see: <c>error</c> → 529, <c>stall</c> → no response until the client leaves, <c>drop</c> → reset.
    /// </summary>
    private async Task<Reply> AnswerWholeAsync(HttpContext http, AnswerJob job, RequestRecord record)
    {
        switch (job.Behavior.Fault)
        {
            case FaultKind.StreamError:
                var overloaded = AnthropicErrors.Injected(http, FaultKind.StreamError, job.Behavior.RetryAfterSeconds);
                return new Reply(overloaded, Outcomes.Faulted, AnthropicErrors.OverloadedStatus);
            case FaultKind.Stall:
                try
                {
                    await Task.Delay(Timeout.InfiniteTimeSpan, time, http.RequestAborted);
                }
                catch (OperationCanceledException)
                {
                    // The client gave up: that is how a stall ends.
                }
                return new Reply(TypedResults.Empty, Outcomes.Faulted, StatusCodes.Status499ClientClosedRequest);
            case FaultKind.Drop:
                http.Abort();
                return new Reply(TypedResults.Empty, Outcomes.Faulted, 0);
        }

        await job.Pacer.WaitForAsync(Math.Max(0, job.Plan.Deltas.Count - 1), http.RequestAborted);
        record.Deltas = job.Plan.Deltas.Count;
        var message = new MessageBody(
            job.MessageId, job.Model, [new TextBlock(job.Plan.Text)], job.Plan.StopReason, job.Plan.StopSequence,
            UsageBody.From(job.Usage, job.Plan.Deltas.Count));
        return new Reply(TypedResults.Json(message, WireJson.Of<MessageBody>(), "application/json"), Outcomes.Completed, StatusCodes.Status200OK);
    }

    private static Reply Refuse(JsonHttpResult<ErrorBody> error) => new(error, Outcomes.Error, error.StatusCode ?? 400);

    private static bool HasKey(HttpContext http, string key)
    {
        var apiKey = HeaderOrNull(http, "x-api-key");
        var bearer = HeaderOrNull(http, "authorization") is { } auth && auth.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase)
            ? auth["Bearer ".Length..].Trim()
            : null;
        return FixedTimeEquals(apiKey, key) || FixedTimeEquals(bearer, key);
    }

    private static bool FixedTimeEquals(string? given, string expected) =>
        given is not null && System.Security.Cryptography.CryptographicOperations.FixedTimeEquals(
            System.Text.Encoding.UTF8.GetBytes(given), System.Text.Encoding.UTF8.GetBytes(expected));

    private static string? HeaderOrNull(HttpContext http, string name) =>
        http.Request.Headers.TryGetValue(name, out var values) && !string.IsNullOrEmpty(values.ToString()) ? values.ToString() : null;

    [LoggerMessage(Level = LogLevel.Debug, Message = "Request {RequestId} ({Model}, seat {Seat}) ended {Outcome} with status {Status} after {Deltas} deltas")]
    private static partial void LogFinished(ILogger logger, string requestId, string? model, string? seat, string outcome, int status, int deltas);
}
