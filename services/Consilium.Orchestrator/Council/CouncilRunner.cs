using System.Text.Json;
using Consilium.Council.Pricing;
using Consilium.Council.Synthesis;
using Consilium.Council.Tension;
using Consilium.Orchestrator.Agents;
using Consilium.Orchestrator.Council.Synthesis;
using Consilium.Orchestrator.Sessions;
using Consilium.Streaming;
using Microsoft.Extensions.Options;

namespace Consilium.Orchestrator.Council;

/// <summary>
/// Runs one council in the background, independent of any HTTP request, writing every event to the session log
/// (the live response and every resume read from there):
/// <c>session</c>; then all agents at once, each agent's events forwarded the moment they arrive (<c>agent_start</c>,
/// <c>delta</c>, <c>retry</c>, then <c>agent_done</c> or <c>agent_error</c>); when every agent has settled, the
/// <c>tension_map</c> (if at least two succeeded, with the streamed synthesis); and last <c>done</c> — or <c>error</c>
/// when every agent failed, the council timed out, or nobody read it for the resume grace period (a watchdog then
/// cancels every call still running).
/// </summary>
public sealed partial class CouncilRunner(
    AgentClient agents,
    SynthesisCall synthesis,
    PricingTable pricing,
    IOptions<CouncilOptions> options,
    TimeProvider time,
    ILogger<CouncilRunner> logger)
{
    public async Task RunAsync(CouncilSession session, ISessionWriter writer, CancellationToken stopping)
    {
        var startedAt = time.GetTimestamp();
        using var deadline = new CancellationTokenSource(options.Value.Timeout, time);
        using var council = CancellationTokenSource.CreateLinkedTokenSource(stopping, deadline.Token);
        var abandoned = false;
        var storeFailed = false;
        var sink = new SessionEventSink(writer, ex =>
        {
            storeFailed = true;
            LogStoreFailed(session.SessionId, ex);
            council.Cancel();
        });
        using var finished = new CancellationTokenSource();
        var watchdog = WatchAsync(session.SessionId, writer, () =>
        {
            abandoned = true;
            council.Cancel();
        }, finished.Token);

        LogStarted(session.SessionId, session.Agents.Count);
        try
        {
            await sink.WriteAsync(CouncilEventNames.Session, Serialize(new SessionData(
                session.SessionId,
                session.ResumeToken,
                [.. session.Agents.Select(a => new AgentRef(a.Id, a.Name, a.Domain))]), CouncilJson.Events.SessionData)).ConfigureAwait(false);

            var answers = session.Agents.Select(agent => new AgentAnswer(agent, startedAt, time)).ToArray();
            var outcomes = await Task.WhenAll(answers.Select(answer => RunAgentAsync(session, answer, sink, council.Token))).ConfigureAwait(false);
            council.Token.ThrowIfCancellationRequested();

            var succeeded = answers.Where((_, i) => outcomes[i] == AgentOutcome.Succeeded).ToArray();
            var failed = answers.Where((_, i) => outcomes[i] == AgentOutcome.Failed).Select(a => a.Agent.Id).ToArray();
            if (succeeded.Length == 0)
            {
                LogAllFailed(session.SessionId);
                await sink.WriteAsync(CouncilEventNames.Error, StreamEvents.Error(
                    CouncilErrorCodes.Unavailable,
                    $"Every agent failed ({string.Join(", ", failed)}); the council has no answer. Try again later.").Data).ConfigureAwait(false);
                return;
            }

            // Failed agents' tokens were spent too: they count towards the council's usage and cost.
            var usage = answers.Aggregate(Usage.Zero, (sum, a) => sum + a.TotalUsage());
            var cost = answers.Aggregate(default(Cost), (sum, a) => sum + a.Cost(pricing));
            if (succeeded.Length >= 2)
            {
                var verdicts = answers.Select((a, i) => outcomes[i] == AgentOutcome.Succeeded
                    ? AgentVerdict.Answered(a.Agent.Id, a.ReadStance())
                    : AgentVerdict.Failed(a.Agent.Id)).ToArray();
                var map = TensionMath.Compute(verdicts);
                if (session.Synthesis && map.Agents.Count >= 2)
                {
                    var (withSynthesis, used) = await SynthesiseAsync(session, map, verdicts, sink, council.Token).ConfigureAwait(false);
                    map = withSynthesis;
                    foreach (var attempt in used)
                    {
                        usage += attempt.Usage;
                        cost += pricing.Price(attempt.Model, attempt.Usage);
                    }
                }
                await sink.WriteAsync(CouncilEventNames.TensionMap, Serialize(map, CouncilJson.Events.TensionMap)).ConfigureAwait(false);
            }

            var rounded = cost.Rounded();
            var durationMs = (long)Math.Round(time.GetElapsedTime(startedAt).TotalMilliseconds);
            await sink.WriteAsync(CouncilEventNames.Done, Serialize(new CouncilDoneData(
                [.. succeeded.Select(a => a.Agent.Id)], failed, usage, rounded.Usd, rounded.CacheSavingsUsd, durationMs),
                CouncilJson.Events.CouncilDoneData)).ConfigureAwait(false);
            LogFinished(session.SessionId, succeeded.Length, failed.Length, durationMs);
        }
        catch (OperationCanceledException) when (council.IsCancellationRequested)
        {
            var (code, message) = abandoned
                ? (CouncilErrorCodes.Cancelled, $"No client read this council for {options.Value.ResumeGrace.TotalSeconds:0.###} s (COUNCIL_RESUME_GRACE); every call was cancelled.")
                : deadline.IsCancellationRequested
                    ? (CouncilErrorCodes.Timeout, $"The council took longer than {options.Value.Timeout.TotalSeconds:0.###} s (COUNCIL_TIMEOUT); every call was cancelled.")
                    : (CouncilErrorCodes.Cancelled, "The orchestrator shut down or lost its event log; every call was cancelled. Ask the council again.");
            LogCancelled(session.SessionId, code);
            if (!storeFailed)
            {
                await sink.WriteAsync(CouncilEventNames.Error, StreamEvents.Error(code, message).Data).ConfigureAwait(false);
            }
        }
        catch (Exception ex)
        {
            LogUnexpected(session.SessionId, ex);
            await council.CancelAsync().ConfigureAwait(false);
            await sink.WriteAsync(CouncilEventNames.Error, StreamEvents.Error(
                ErrorCodes.UpstreamError, "The council failed unexpectedly. Ask the council again.").Data).ConfigureAwait(false);
        }
        finally
        {
            var last = await sink.CompleteAsync().ConfigureAwait(false);
            await finished.CancelAsync().ConfigureAwait(false);
            await watchdog.ConfigureAwait(false);
            if (!storeFailed)
            {
                try
                {
                    await writer.FinishAsync(last, options.Value.Retention, CancellationToken.None).ConfigureAwait(false);
                }
                catch (Exception ex)
                {
                    LogStoreFailed(session.SessionId, ex);
                }
            }
        }
    }

    /// <summary>Streams one agent into the log; never throws except when the council is cancelled.</summary>
    private async Task<AgentOutcome> RunAgentAsync(CouncilSession session, AgentAnswer answer, SessionEventSink sink, CancellationToken cancellationToken)
    {
        var id = answer.Agent.Id;
        try
        {
            await foreach (var item in agents.StreamAsync(id, session.Question, session.SessionId, cancellationToken).ConfigureAwait(false))
            {
                switch (item.EventType)
                {
                    case SseNames.Done:
                        answer.SetModel(Read(item.Data, CouncilJson.Events.DoneData)?.Model);
                        var stance = answer.ReadStance();
                        await sink.WriteAsync(CouncilEventNames.AgentDone, Serialize(
                            new AgentDoneData(id, answer.Model, stance, answer.TotalUsage(), answer.TtftMs, answer.ElapsedMs),
                            CouncilJson.Events.AgentDoneData)).ConfigureAwait(false);
                        return AgentOutcome.Succeeded;

                    case SseNames.Error:
                        var (code, message) = ReadError(item.Data);
                        LogAgentFailed(session.SessionId, id, code, message);
                        await sink.WriteAsync(CouncilEventNames.AgentError, Serialize(
                            new AgentErrorData(id, code, message), CouncilJson.Events.AgentErrorData)).ConfigureAwait(false);
                        return AgentOutcome.Failed;

                    case SseNames.Retry:
                        if (Read(item.Data, CouncilJson.Events.RetryData) is { } retry)
                        {
                            await sink.WriteAsync(CouncilEventNames.Retry, Serialize(
                                new AgentRetryData(id, retry.Model, retry.Status, retry.NextModel), CouncilJson.Events.AgentRetryData)).ConfigureAwait(false);
                        }
                        break;

                    default:
                        var streamEvent = AnthropicStreamEvent.Parse(item.EventType, item.Data);
                        if (streamEvent.Type == AnthropicEventNames.MessageStart)
                        {
                            answer.Begin(streamEvent.Model, streamEvent.Usage);
                            await sink.WriteAsync(CouncilEventNames.AgentStart, Serialize(
                                new AgentStartData(id, answer.Model), CouncilJson.Events.AgentStartData)).ConfigureAwait(false);
                        }
                        else if (streamEvent.Text is { Length: > 0 } text)
                        {
                            answer.Append(text);
                            await sink.WriteAsync(CouncilEventNames.Delta, Serialize(new DeltaData(id, text), CouncilJson.Events.DeltaData)).ConfigureAwait(false);
                        }
                        else if (streamEvent.Usage is { } usage)
                        {
                            answer.Observe(usage);
                        }
                        break;
                }
            }
            // The client guarantees a terminal event unless the call was cancelled.
            cancellationToken.ThrowIfCancellationRequested();
            return AgentOutcome.Failed;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return AgentOutcome.Cancelled;
        }
        catch (Exception ex)
        {
            LogAgentCrashed(session.SessionId, id, ex);
            await sink.WriteAsync(CouncilEventNames.AgentError, Serialize(
                new AgentErrorData(id, ErrorCodes.UpstreamError, $"Agent '{id}' failed: {ex.Message}"), CouncilJson.Events.AgentErrorData)).ConfigureAwait(false);
            return AgentOutcome.Failed;
        }
    }

    private async Task<(TensionMap Map, IReadOnlyList<ModelUsage> Used)> SynthesiseAsync(
        CouncilSession session, TensionMap map, IReadOnlyList<AgentVerdict> verdicts, SessionEventSink sink, CancellationToken cancellationToken)
    {
        var stances = verdicts
            .Where(v => v.Stance is not null && map.Positions.ContainsKey(v.AgentId))
            .Select(v => SynthesisStance.From(session.Agents.First(a => a.Id == v.AgentId), v.Stance!))
            .ToArray();
        var outcome = await synthesis.RunAsync(
            session.Question,
            stances,
            text => sink.WriteAsync(CouncilEventNames.SynthesisDelta, Serialize(new SynthesisDeltaData(text), CouncilJson.Events.SynthesisDeltaData)),
            cancellationToken).ConfigureAwait(false);
        cancellationToken.ThrowIfCancellationRequested();
        var result = SynthesisResult.TryParse(outcome.Text, [.. map.Agents]);
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

    [LoggerMessage(Level = LogLevel.Information, Message = "Council {SessionId}: done, {Succeeded} succeeded, {Failed} failed, {DurationMs} ms")]
    private partial void LogFinished(string sessionId, int succeeded, int failed, long durationMs);

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

    [LoggerMessage(Level = LogLevel.Error, Message = "Council {SessionId}: the event log refused a write; the council is cancelled")]
    private partial void LogStoreFailed(string sessionId, Exception exception);

    [LoggerMessage(Level = LogLevel.Error, Message = "Council {SessionId}: failed unexpectedly")]
    private partial void LogUnexpected(string sessionId, Exception exception);
}
