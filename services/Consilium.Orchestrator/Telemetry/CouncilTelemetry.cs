using System.Diagnostics;
using Consilium.Council.Pricing;
using Consilium.Orchestrator.Council;
using Consilium.Orchestrator.Council.Synthesis;
using Consilium.Streaming;
using Consilium.Telemetry;

namespace Consilium.Orchestrator.Telemetry;

/// <summary>
/// The council's spans (docs/observability.md): <c>council</c>, one per session, with one <c>agent</c> span per agent
/// call (the HTTP call to the agent is its child, and the agent's <c>chat &lt;model&gt;</c> spans below that) and a
/// <c>synthesis</c> span for the 11th call; the council's end logged once with its tokens and cost. Nothing here runs
/// per delta.
/// </summary>
public sealed partial class CouncilTelemetry(
    CouncilMetrics metrics,
    PricingTable pricing,
    TelemetrySettings settings,
    TimeProvider time,
    ILogger<CouncilTelemetry> logger)
{
    public static readonly ActivitySource Source = new("Consilium.Orchestrator");

    public const string SessionIdTag = "consilium.session.id";

    public CouncilMetrics Metrics => metrics;

    public CouncilSpan StartCouncil(CouncilSession session)
    {
        var activity = Source.StartActivity("council", ActivityKind.Internal);
        if (activity is { IsAllDataRequested: true })
        {
            activity.SetTag(SessionIdTag, session.SessionId);
            activity.SetTag("consilium.council.agents", session.Agents.Count);
            activity.SetTag("consilium.council.synthesis", session.Synthesis);
            activity.SetInputMessages(settings, session.Question);
        }
        LogStarted(session.SessionId, session.Agents.Count, session.Conversation?.ConversationId ?? "", session.Conversation?.Round ?? 1,
            session.Conversation?.Mode ?? "ask");
        return new CouncilSpan(this, activity, session.SessionId, time.GetTimestamp());
    }

    public AgentSpan StartAgent(string sessionId, string agentId)
    {
        var activity = Source.StartActivity("agent", ActivityKind.Internal);
        if (activity is { IsAllDataRequested: true })
        {
            activity.DisplayName = $"agent {agentId}";
            activity.SetTag(SessionIdTag, sessionId);
            activity.SetTag(GenAiNames.AgentName, agentId);
        }
        return new AgentSpan(this, activity, agentId, metrics.AgentCallOpened(agentId));
    }

    public SynthesisSpan StartSynthesis(string sessionId)
    {
        var activity = Source.StartActivity("synthesis", ActivityKind.Internal);
        if (activity is { IsAllDataRequested: true })
        {
            activity.SetTag(SessionIdTag, sessionId);
            activity.SetTag(GenAiNames.OperationName, GenAiNames.Chat);
            activity.SetTag(GenAiNames.ProviderName, GenAiNames.Anthropic);
        }
        return new SynthesisSpan(this, activity);
    }

    /// <summary>A resume request: tagged on its server span and counted by result.</summary>
    public void Resumed(string sessionId, string? lastEventId, string result)
    {
        if (Activity.Current is { IsAllDataRequested: true } request)
        {
            request.SetTag(SessionIdTag, sessionId);
            request.SetTag("consilium.resume.last_event_id", lastEventId);
            request.SetTag("consilium.resume.result", result);
        }
        metrics.Resumed(result);
    }

    internal void Spent(string model, string agent, Usage usage) => metrics.Spent(model, agent, pricing.Price(model, usage).Usd);

    internal void Ended(string sessionId, string outcome, TimeSpan duration, int succeeded, int failed, Usage usage, decimal costUsd)
    {
        metrics.CouncilEnded(outcome, duration);
        LogEnded(sessionId, outcome, (long)Math.Round(duration.TotalMilliseconds), succeeded, failed,
            usage.InputTokens, usage.OutputTokens, usage.CacheReadInputTokens, usage.CacheCreationInputTokens, costUsd);
    }

    internal static void SetUsage(Activity activity, Usage usage)
    {
        activity.SetTag(GenAiNames.InputTokens, usage.InputTokens);
        activity.SetTag(GenAiNames.OutputTokens, usage.OutputTokens);
        activity.SetTag(GenAiNames.CacheReadTokens, usage.CacheReadInputTokens);
        activity.SetTag(GenAiNames.CacheCreationTokens, usage.CacheCreationInputTokens);
    }

    internal static void Fail(Activity activity, string code, string? message)
    {
        activity.SetTag(GenAiNames.ErrorType, code);
        activity.SetStatus(ActivityStatusCode.Error, message);
    }

    internal PricingTable PricingOf => pricing;

    internal TimeProvider Time => time;

    [LoggerMessage(EventId = 3101, Level = LogLevel.Information,
        Message = "Council {SessionId}: started with {Agents} agents (conversation {ConversationId}, round {Round}, {Mode})")]
    private partial void LogStarted(string sessionId, int agents, string conversationId, int round, string mode);

    [LoggerMessage(EventId = 3100, Level = LogLevel.Information,
        Message = "Council {SessionId}: ended {Outcome} after {DurationMs} ms, {Succeeded} agents ok, {Failed} failed, tokens in {InputTokens} out {OutputTokens} cache read {CacheReadTokens} cache write {CacheCreationTokens}, cost {CostUsd} USD")]
    private partial void LogEnded(string sessionId, string outcome, long durationMs, int succeeded, int failed,
        long inputTokens, long outputTokens, long cacheReadTokens, long cacheCreationTokens, decimal costUsd);
}

/// <summary>One council; <see cref="Dispose"/> without an outcome counts it as cancelled.</summary>
public sealed class CouncilSpan(CouncilTelemetry telemetry, Activity? activity, string sessionId, long startedAt) : IDisposable
{
    private bool _ended;

    /// <summary>The council sent <c>done</c>.</summary>
    public void Done(int succeeded, int failed, Usage usage, decimal costUsd)
    {
        if (activity is { IsAllDataRequested: true })
        {
            activity.SetTag("consilium.council.outcome", "done");
            activity.SetTag("consilium.council.succeeded", succeeded);
            activity.SetTag("consilium.council.failed", failed);
            activity.SetTag("consilium.cost_usd", (double)costUsd);
            CouncilTelemetry.SetUsage(activity, usage);
        }
        End("done", succeeded, failed, usage, costUsd);
    }

    /// <summary>The council ended with <c>error</c> <paramref name="code"/>.</summary>
    public void Failed(string code, string? message = null, int succeeded = 0, int failed = 0)
    {
        if (activity is { IsAllDataRequested: true })
        {
            activity.SetTag("consilium.council.outcome", code);
            CouncilTelemetry.Fail(activity, code, message);
        }
        End(code, succeeded, failed, Usage.Zero, 0);
    }

    public void Dispose()
    {
        if (!_ended)
        {
            Failed(ErrorCodes.UpstreamError, "The council ended without an outcome.");
        }
        activity?.Dispose();
    }

    private void End(string outcome, int succeeded, int failed, Usage usage, decimal costUsd)
    {
        if (_ended)
        {
            return;
        }
        _ended = true;
        telemetry.Ended(sessionId, outcome, telemetry.Time.GetElapsedTime(startedAt), succeeded, failed, usage, costUsd);
    }
}

/// <summary>One agent call of a council.</summary>
public sealed class AgentSpan(CouncilTelemetry telemetry, Activity? activity, string agentId, IDisposable open) : IDisposable
{
    /// <summary>The agent fell back from <paramref name="model"/> to <paramref name="nextModel"/>.</summary>
    public void Retry(string model, int status, string nextModel) =>
        activity?.AddEvent(new ActivityEvent("retry", tags: new ActivityTagsCollection
        {
            [GenAiNames.RequestModel] = model,
            ["http.response.status_code"] = status,
            ["consilium.retry.next_model"] = nextModel,
        }));

    /// <summary>The agent settled (<paramref name="errorCode"/> null: it answered); its spend is counted either way.</summary>
    public void Settled(AgentAnswer answer, string? errorCode, string? message = null)
    {
        var usage = answer.TotalUsage();
        if (activity is { IsAllDataRequested: true })
        {
            if (answer.Model.Length > 0)
            {
                activity.SetTag(GenAiNames.ResponseModel, answer.Model);
            }
            CouncilTelemetry.SetUsage(activity, usage);
            activity.SetTag("consilium.cost_usd", (double)answer.Cost(telemetry.PricingOf).Usd);
            if (answer.TtftMs is { } ttft)
            {
                activity.SetTag("consilium.ttft_ms", ttft);
            }
            if (errorCode is not null)
            {
                CouncilTelemetry.Fail(activity, errorCode, message);
            }
        }
        if (usage != Usage.Zero)
        {
            telemetry.Spent(answer.Model, agentId, usage);
        }
    }

    public void Dispose()
    {
        open.Dispose();
        activity?.Dispose();
    }
}

/// <summary>The synthesis call.</summary>
public sealed class SynthesisSpan(CouncilTelemetry telemetry, Activity? activity) : IDisposable
{
    public void Ended(IReadOnlyList<ModelUsage> attempts, bool valid)
    {
        var usage = Usage.Zero;
        foreach (var attempt in attempts)
        {
            usage += attempt.Usage;
            telemetry.Spent(attempt.Model, "synthesis", attempt.Usage);
        }
        if (activity is { IsAllDataRequested: true })
        {
            if (attempts.Count > 0)
            {
                activity.SetTag(GenAiNames.RequestModel, attempts[0].Model);
                activity.SetTag(GenAiNames.ResponseModel, attempts[^1].Model);
            }
            activity.SetTag("consilium.synthesis.attempts", attempts.Count);
            CouncilTelemetry.SetUsage(activity, usage);
            if (!valid)
            {
                CouncilTelemetry.Fail(activity, "synthesis_dropped", "The synthesis call failed or its answer was not valid; the map was sent without it.");
            }
        }
    }

    public void Dispose() => activity?.Dispose();
}
