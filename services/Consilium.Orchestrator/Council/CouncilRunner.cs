using System.Text.Json;
using Consilium.Council.Pricing;
using Consilium.Council.Synthesis;
using Consilium.Council.Tension;
using Consilium.Council;
using Consilium.Orchestrator.Agents;
using Consilium.Orchestrator.Conversations;
using Consilium.Orchestrator.Council.Synthesis;
using Consilium.Orchestrator.Sessions;
using Consilium.Orchestrator.Stop;
using Consilium.Orchestrator.Telemetry;
using Consilium.Streaming;
using Microsoft.Extensions.Options;

namespace Consilium.Orchestrator.Council;

/// <summary>
/// Runs one council in the background, independent of any HTTP request, appending every event to the session's
/// in-process log (the live response and every resume read from there; docs/streaming.md):
/// after the <c>session</c> event (written when the session is created), all agents at once, each agent's events
/// forwarded the moment they arrive (<c>agent_start</c>, <c>delta</c>, <c>retry</c>, then <c>agent_done</c> or
/// <c>agent_error</c>); when every agent has settled, the <c>tension_map</c> (if at least two succeeded, with the
/// streamed synthesis); and last <c>done</c> — or <c>error</c> when every agent failed or nobody read it for the resume
/// grace period (a watchdog then cancels every call still running). An agent that misses its deadlines
/// (<see cref="AgentStreamDeadline"/>), and every agent still answering when <c>COUNCIL_TIMEOUT</c> strikes, ends in
/// <c>agent_error</c> <c>timeout</c>; the council goes on with the answers that finished.
/// </summary>
public sealed partial class CouncilRunner(
    AgentClient agents,
    SynthesisCall synthesis,
    PricingTable pricing,
    ConversationService conversations,
    CouncilStops stops,
    IOptions<CouncilOptions> options,
    TimeProvider time,
    CouncilTelemetry telemetry,
    ILogger<CouncilRunner> logger)
{
    public async Task RunAsync(CouncilSession session, ISessionWriter writer, CancellationToken stopping)
    {
        var startedAt = time.GetTimestamp();
        using var trace = telemetry.StartCouncil(session);
        // `council` cancels everything (shutdown, abandoned); `answering` also ends at COUNCIL_TIMEOUT, which only
        // stops the calls still running: the council then ends with what it has.
        using var council = CancellationTokenSource.CreateLinkedTokenSource(stopping);
        // DELETE /api/consilium/sessions/{id} cancels `council` (docs/api.md).
        using var stop = stops.Register(session.SessionId, council);
        var answers = session.Agents.Select(agent => new AgentAnswer(agent, startedAt, time)).ToArray();
        using var deadline = new CancellationTokenSource(options.Value.Timeout, time);
        using var answering = CancellationTokenSource.CreateLinkedTokenSource(council.Token, deadline.Token);
        var abandoned = false;
        using var finished = new CancellationTokenSource();
        var watchdog = WatchAsync(session.SessionId, writer, () =>
        {
            abandoned = true;
            council.Cancel();
        }, finished.Token);

        LogStarted(session.SessionId, session.Agents.Count);
        // A round of a conversation is recorded once, just before its terminal event (so the next round may start
        // the moment a client sees it).
        var startedUtc = time.GetUtcNow();
        var outcomes = new AgentOutcome[answers.Length];
        var recorded = false;
        async Task RecordAsync(string outcome, TensionMap? map = null, Usage? used = null, Cost spent = default)
        {
            if (!recorded)
            {
                recorded = true;
                await conversations.RecordAsync(
                    session, answers, [.. outcomes.Select(o => o == AgentOutcome.Succeeded)], map,
                    used ?? answers.Aggregate(Usage.Zero, (sum, a) => sum + a.TotalUsage()),
                    spent == default ? answers.Aggregate(default(Cost), (sum, a) => sum + a.Cost(pricing)) : spent,
                    startedUtc, outcome).ConfigureAwait(false);
            }
        }
        try
        {
            outcomes = await Task.WhenAll(answers.Select(answer => RunAgentAsync(session, answer, writer, answering.Token, council.Token))).ConfigureAwait(false);
            council.Token.ThrowIfCancellationRequested();

            var succeeded = answers.Where((_, i) => outcomes[i] == AgentOutcome.Succeeded).ToArray();
            var failed = answers.Where((_, i) => outcomes[i] == AgentOutcome.Failed).Select(a => a.Agent.Id).ToArray();
            if (succeeded.Length == 0)
            {
                LogAllFailed(session.SessionId);
                trace.Failed(deadline.IsCancellationRequested ? CouncilErrorCodes.Timeout : CouncilErrorCodes.Unavailable, "Every agent failed.", 0, failed.Length);
                await RecordAsync(CouncilErrorCodes.Unavailable).ConfigureAwait(false);
                writer.Append(CouncilEventNames.Error, deadline.IsCancellationRequested
                    ? StreamEvents.Error(CouncilErrorCodes.Timeout, $"The council took longer than {options.Value.Timeout.TotalSeconds:0.###} s (COUNCIL_TIMEOUT) and no agent had finished; every call was cancelled.").Data
                    : StreamEvents.Error(CouncilErrorCodes.Unavailable, $"Every agent failed ({string.Join(", ", failed)}); the council has no answer. Try again later.").Data);
                return;
            }

            // Failed agents' tokens were spent too: they count towards the council's usage and cost.
            var usage = answers.Aggregate(Usage.Zero, (sum, a) => sum + a.TotalUsage());
            var cost = answers.Aggregate(default(Cost), (sum, a) => sum + a.Cost(pricing));
            // In a follow-up round, agents not asked keep their last stance in the conversation and take part in the map.
            IReadOnlyList<AgentVerdict> carried = session.Conversation is { } round ? ConversationService.Carried(round) : [];
            TensionMap? finalMap = null;
            if (succeeded.Length + carried.Count >= 2)
            {
                var verdicts = answers.Select((a, i) => outcomes[i] == AgentOutcome.Succeeded
                    ? AgentVerdict.Answered(a.Agent.Id, a.ReadStance())
                    : AgentVerdict.Failed(a.Agent.Id)).Concat(carried).ToArray();
                verdicts = [.. Roster.Ids.SelectMany(id => verdicts.Where(v => v.AgentId == id))];
                var map = TensionMath.Compute(verdicts);
                if (session.Synthesis && map.Agents.Count >= 2 && !deadline.IsCancellationRequested)
                {
                    try
                    {
                        var (withSynthesis, used) = await SynthesiseAsync(session, map, verdicts, writer, answering.Token).ConfigureAwait(false);
                        map = withSynthesis;
                        foreach (var attempt in used)
                        {
                            usage += attempt.Usage;
                            cost += pricing.Price(attempt.Model, attempt.Usage);
                        }
                    }
                    catch (OperationCanceledException) when (deadline.IsCancellationRequested && !council.IsCancellationRequested)
                    {
                        LogSynthesisDropped(session.SessionId, "the council ran past COUNCIL_TIMEOUT");
                    }
                }
                if (session.Conversation is { } plan)
                {
                    map = ConversationService.Annotate(map, plan);
                }
                finalMap = map;
                writer.Append(CouncilEventNames.TensionMap, Serialize(map, CouncilJson.Events.TensionMap));
            }

            var rounded = cost.Rounded();
            var durationMs = (long)Math.Round(time.GetElapsedTime(startedAt).TotalMilliseconds);
            await RecordAsync(CouncilEventNames.Done, finalMap, usage, cost).ConfigureAwait(false);
            writer.Append(CouncilEventNames.Done, Serialize(new CouncilDoneData(
                [.. succeeded.Select(a => a.Agent.Id)], failed, usage, rounded.Usd, rounded.CacheSavingsUsd, durationMs),
                CouncilJson.Events.CouncilDoneData));
            trace.Done(succeeded.Length, failed.Length, usage, rounded.Usd);
        }
        catch (OperationCanceledException) when (council.IsCancellationRequested)
        {
            var (code, message) = stop.Requested
                ? (CouncilErrorCodes.Cancelled, StoppedCouncil.Message)
                : abandoned
                ? (CouncilErrorCodes.Cancelled, $"No client read this council for {options.Value.ResumeGrace.TotalSeconds:0.###} s (COUNCIL_RESUME_GRACE); every call was cancelled.")
                : stopping.IsCancellationRequested
                    ? (Http.ShuttingDown.Code, Http.ShuttingDown.Message)
                    : (CouncilErrorCodes.Cancelled, "The council was stopped; every call was cancelled. Ask the council again.");
            LogCancelled(session.SessionId, code);
            trace.Failed(code, message);
            await RecordAsync(code).ConfigureAwait(false);
            writer.Append(CouncilEventNames.Error, stop.Requested
                ? StoppedCouncil.Data(answers, pricing)
                : StreamEvents.Error(code, message).Data);
        }
        catch (Exception ex)
        {
            LogUnexpected(session.SessionId, ex);
            trace.Failed(ErrorCodes.UpstreamError, ex.Message);
            await council.CancelAsync().ConfigureAwait(false);
            await RecordAsync(ErrorCodes.UpstreamError).ConfigureAwait(false);
            writer.Append(CouncilEventNames.Error, StreamEvents.Error(
                ErrorCodes.UpstreamError, "The council failed unexpectedly. Ask the council again.").Data);
        }
        finally
        {
            await finished.CancelAsync().ConfigureAwait(false);
            await watchdog.ConfigureAwait(false);
            await RecordAsync(CouncilErrorCodes.Cancelled).ConfigureAwait(false);
            try
            {
                await writer.FinishAsync(options.Value.Retention, CancellationToken.None).ConfigureAwait(false);
            }
            catch (Exception ex)
            {
                LogStoreFailed(session.SessionId, ex);
            }
        }
    }

    /// <summary>
    /// Streams one agent into the log under its own deadlines; never throws except when the council is cancelled.
    /// <paramref name="answering"/> also ends at <c>COUNCIL_TIMEOUT</c>; <paramref name="council"/> only when everything stops.
    /// </summary>
    private async Task<AgentOutcome> RunAgentAsync(CouncilSession session, AgentAnswer answer, ISessionWriter sink, CancellationToken answering, CancellationToken council)
    {
        var id = answer.Agent.Id;
        using var span = telemetry.StartAgent(session.SessionId, id);
        using var deadline = new AgentStreamDeadline(options.Value.AgentDeadlines, time, answering);
        try
        {
            await foreach (var item in agents.StreamAsync(id, session.MessageFor(id), session.SessionId, deadline.Token, session.HistoryFor(id)).ConfigureAwait(false))
            {
                switch (item.EventType)
                {
                    case SseNames.Done:
                        answer.SetModel(Read(item.Data, CouncilJson.Events.DoneData)?.Model);
                        var stance = answer.ReadStance();
                        sink.Append(CouncilEventNames.AgentDone, Serialize(
                            new AgentDoneData(id, answer.Model, stance, answer.TotalUsage(), answer.TtftMs, answer.ElapsedMs),
                            CouncilJson.Events.AgentDoneData));
                        span.Settled(answer, errorCode: null);
                        return AgentOutcome.Succeeded;

                    case SseNames.Error:
                        var (code, message) = ReadError(item.Data);
                        LogAgentFailed(session.SessionId, id, code, message);
                        span.Settled(answer, code, message);
                        sink.Append(CouncilEventNames.AgentError, Serialize(
                            new AgentErrorData(id, code, message), CouncilJson.Events.AgentErrorData));
                        return AgentOutcome.Failed;

                    case SseNames.Retry:
                        deadline.Observe(text: false);
                        if (Read(item.Data, CouncilJson.Events.RetryData) is { } retry)
                        {
                            span.Retry(retry.Model, retry.Status, retry.NextModel);
                            sink.Append(CouncilEventNames.Retry, Serialize(
                                new AgentRetryData(id, retry.Model, retry.Status, retry.NextModel), CouncilJson.Events.AgentRetryData));
                        }
                        break;

                    default:
                        var streamEvent = AnthropicStreamEvent.Parse(item.EventType, item.Data);
                        if (streamEvent.Type == AnthropicEventNames.MessageStart)
                        {
                            deadline.Observe(text: false);
                            answer.Begin(streamEvent.Model, streamEvent.Usage);
                            sink.Append(CouncilEventNames.AgentStart, Serialize(
                                new AgentStartData(id, answer.Model), CouncilJson.Events.AgentStartData));
                        }
                        else if (streamEvent.Text is { Length: > 0 } text)
                        {
                            deadline.Observe(text: true);
                            answer.Append(text);
                            sink.Append(CouncilEventNames.Delta, Serialize(new DeltaData(id, text), CouncilJson.Events.DeltaData));
                        }
                        else
                        {
                            deadline.Observe(text: false);
                            if (streamEvent.Usage is { } usage)
                            {
                                answer.Observe(usage);
                            }
                        }
                        break;
                }
            }
            // The client guarantees a terminal event unless the call was cancelled.
            deadline.Token.ThrowIfCancellationRequested();
            return AgentOutcome.Failed;
        }
        catch (Exception) when (!council.IsCancellationRequested && (deadline.Expired is not null || answering.IsCancellationRequested))
        {
            // A deadline of this stream, or COUNCIL_TIMEOUT: this agent failed; the council goes on with the others.
            var reason = deadline.Expired ?? $"the council ran past {options.Value.Timeout.TotalSeconds:0.###} s (COUNCIL_TIMEOUT) before the agent finished";
            LogAgentFailed(session.SessionId, id, ErrorCodes.Timeout, reason);
            span.Settled(answer, ErrorCodes.Timeout, reason);
            sink.Append(CouncilEventNames.AgentError, Serialize(
                new AgentErrorData(id, ErrorCodes.Timeout, $"Agent '{id}' timed out: {reason}."), CouncilJson.Events.AgentErrorData));
            return AgentOutcome.Failed;
        }
        catch (OperationCanceledException) when (council.IsCancellationRequested)
        {
            return AgentOutcome.Cancelled;
        }
        catch (Exception ex)
        {
            LogAgentCrashed(session.SessionId, id, ex);
            span.Settled(answer, ErrorCodes.UpstreamError, ex.Message);
            sink.Append(CouncilEventNames.AgentError, Serialize(
                new AgentErrorData(id, ErrorCodes.UpstreamError, $"Agent '{id}' failed: {ex.Message}"), CouncilJson.Events.AgentErrorData));
            return AgentOutcome.Failed;
        }
    }

    private async Task<(TensionMap Map, IReadOnlyList<ModelUsage> Used)> SynthesiseAsync(
        CouncilSession session, TensionMap map, IReadOnlyList<AgentVerdict> verdicts, ISessionWriter sink, CancellationToken cancellationToken)
    {
        var stances = verdicts
            .Where(v => v.Stance is not null && map.Positions.ContainsKey(v.AgentId))
            .Select(v => SynthesisStance.From(Roster.All.First(a => a.Id == v.AgentId), v.Stance!))
            .ToArray();
        using var span = telemetry.StartSynthesis(session.SessionId);
        var outcome = await synthesis.RunAsync(
            session.Question,
            stances,
            text =>
            {
                sink.Append(CouncilEventNames.SynthesisDelta, Serialize(new SynthesisDeltaData(text), CouncilJson.Events.SynthesisDeltaData));
                return ValueTask.CompletedTask;
            },
            cancellationToken).ConfigureAwait(false);
        cancellationToken.ThrowIfCancellationRequested();
        var result = SynthesisResult.TryParse(outcome.Text, [.. map.Agents]);
        span.Ended(outcome.Attempts, result is not null);
        if (result is null)
        {
            LogSynthesisDropped(session.SessionId, outcome.Text is null ? "the call failed" : "the answer was not valid");
            return (map, outcome.Attempts);
        }
        return (map with { Axes = result.Axes, Synthesis = result.Synthesis }, outcome.Attempts);
    }

    /// <summary>Every <see cref="CouncilOptions.WatchdogInterval"/>: renew the runner lease; when nobody is reading, give up.</summary>
    private async Task WatchAsync(string sessionId, ISessionWriter writer, Action abandon, CancellationToken finished)
    {
        using var timer = new PeriodicTimer(options.Value.WatchdogInterval, time);
        try
        {
            while (await timer.WaitForNextTickAsync(finished).ConfigureAwait(false))
            {
                bool attended;
                try
                {
                    attended = await writer.HeartbeatAsync(finished).ConfigureAwait(false);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    // The store is unreachable for a moment: that says nothing about the readers.
                    LogHeartbeatFailed(sessionId, ex.Message);
                    continue;
                }
                if (!attended && !finished.IsCancellationRequested)
                {
                    LogAbandoned(sessionId, options.Value.ResumeGrace.TotalSeconds);
                    abandon();
                    return;
                }
            }
        }
        catch (OperationCanceledException) when (finished.IsCancellationRequested)
        {
        }
    }

    private static string Serialize<T>(T value, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> type) =>
        JsonSerializer.Serialize(value, type);

    private static T? Read<T>(string json, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> type) where T : class
    {
        try
        {
            return JsonSerializer.Deserialize(json, type);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>The agent's <c>error</c> is <c>{"code","message"}</c>; an Anthropic error body is read too, just in case.</summary>
    private static (string Code, string Message) ReadError(string json)
    {
        if (Read(json, CouncilJson.Events.ErrorData) is { Code: { Length: > 0 } code } error)
        {
            return (code, error.Message ?? "");
        }
        var upstream = AnthropicStreamEvent.Parse(SseNames.Error, json);
        return upstream.ErrorType == "overloaded_error"
            ? (ErrorCodes.Overloaded, upstream.ErrorMessage ?? "")
            : (ErrorCodes.UpstreamError, upstream.ErrorMessage ?? "The agent failed.");
    }

    private enum AgentOutcome
    {
        Succeeded,
        Failed,
        Cancelled,
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Council {SessionId}: asking {Count} agents")]
    private partial void LogStarted(string sessionId, int count);


    [LoggerMessage(Level = LogLevel.Warning, Message = "Council {SessionId}: agent {AgentId} failed with {Code}: {Reason}")]
    private partial void LogAgentFailed(string sessionId, string agentId, string code, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "Council {SessionId}: reading agent {AgentId} failed unexpectedly")]
    private partial void LogAgentCrashed(string sessionId, string agentId, Exception exception);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Council {SessionId}: every agent failed")]
    private partial void LogAllFailed(string sessionId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Council {SessionId}: synthesis dropped because {Reason}; the map is sent without it")]
    private partial void LogSynthesisDropped(string sessionId, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Council {SessionId}: no client for {GraceSeconds} s; cancelling every call")]
    private partial void LogAbandoned(string sessionId, double graceSeconds);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Council {SessionId}: cancelled ({Code})")]
    private partial void LogCancelled(string sessionId, string code);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Council {SessionId}: runner heartbeat failed: {Reason}")]
    private partial void LogHeartbeatFailed(string sessionId, string reason);

    [LoggerMessage(Level = LogLevel.Error, Message = "Council {SessionId}: finishing the session log failed")]
    private partial void LogStoreFailed(string sessionId, Exception exception);

    [LoggerMessage(Level = LogLevel.Error, Message = "Council {SessionId}: failed unexpectedly")]
    private partial void LogUnexpected(string sessionId, Exception exception);
}
