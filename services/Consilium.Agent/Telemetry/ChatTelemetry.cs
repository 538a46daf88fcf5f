using System.Diagnostics;
using Consilium.Agent.Upstream;
using Consilium.Streaming;
using Consilium.Telemetry;

namespace Consilium.Agent.Telemetry;

/// <summary>
/// One span per model attempt, <c>chat &lt;model&gt;</c>, in the terms of the OpenTelemetry GenAI conventions
/// (docs/observability.md), and the GenAI metrics of that call. The HTTP call to the model is its child, so the trace
/// reaches the model.
/// </summary>
public sealed class ChatTelemetry(AgentMetrics metrics, TelemetrySettings settings, TimeProvider time)
{
    public static readonly ActivitySource Source = new("Consilium.Agent");

    public ChatSpan Start(string agentId, string model, string message, string? sessionId)
    {
        var activity = Source.StartActivity($"{GenAiNames.Chat} {model}", ActivityKind.Client);
        if (activity is { IsAllDataRequested: true })
        {
            activity.SetTag(GenAiNames.OperationName, GenAiNames.Chat);
            activity.SetTag(GenAiNames.ProviderName, GenAiNames.Anthropic);
            activity.SetTag(GenAiNames.RequestModel, model);
            activity.SetTag(GenAiNames.AgentName, agentId);
            if (sessionId is not null)
            {
                activity.SetTag("consilium.session.id", sessionId);
            }
            activity.SetInputMessages(settings, message);
        }
        return new ChatSpan(activity, agentId, model, metrics, time);
    }
}

/// <summary>
/// One model attempt: reads the response model and stop reason from the few events that carry them (two null checks
/// per event, nothing allocated), and on its end sets usage, finish reason or error and records the call's metrics.
/// </summary>
public sealed class ChatSpan(Activity? activity, string agentId, string model, AgentMetrics metrics, TimeProvider time) : IDisposable
{
    private readonly long _startedAt = time.GetTimestamp();
    private string? _responseModel;
    private string? _finishReason;
    private TimeSpan? _firstChunk;
    private bool _opened;
    private bool _ended;

    public Activity? Activity => activity;

    /// <summary>An upstream event of this attempt's stream.</summary>
    public void Observe(in AnthropicStreamEvent streamEvent)
    {
        _opened = true;
        if (streamEvent.Model is { } responseModel)
        {
            _responseModel = responseModel;
        }
        if (streamEvent.StopReason is { } reason)
        {
            _finishReason = reason;
        }
    }

    /// <summary>The answer's first text arrived in this attempt.</summary>
    public void FirstToken()
    {
        _firstChunk = time.GetElapsedTime(_startedAt);
        if (activity is { IsAllDataRequested: true })
        {
            activity.SetTag(GenAiNames.TimeToFirstChunk, _firstChunk.Value.TotalSeconds);
            activity.AddEvent(new ActivityEvent("gen_ai.first_chunk"));
        }
    }

    /// <summary>The model finished with <c>message_stop</c>.</summary>
    public void Succeeded(Usage usage) => End(usage, errorType: null, failure: null, nextModel: null);

    /// <summary>
    /// The attempt failed; <paramref name="nextModel"/> is the model the chain falls back to (a <c>retry</c> event on
    /// this span), or null when the answer ends here with <c>error</c>.
    /// </summary>
    public void Failed(AttemptFailure failure, string? nextModel, Usage usage) =>
        End(usage, failure.Status > 0 ? failure.Status.ToString(System.Globalization.CultureInfo.InvariantCulture) : failure.Code, failure, nextModel);

    /// <summary>Ended without a verdict: a deadline passed or the client went away, which cancelled the call.</summary>
    public void Dispose()
    {
        if (!_ended)
        {
            End(Usage.Zero, "cancelled", failure: null, nextModel: null);
        }
    }

    private void End(Usage usage, string? errorType, AttemptFailure? failure, string? nextModel)
    {
        if (_ended)
        {
            return;
        }
        _ended = true;
        var spent = _opened ? usage : Usage.Zero;
        var responseModel = _responseModel ?? model;
        if (activity is { IsAllDataRequested: true })
        {
            if (_responseModel is not null)
            {
                activity.SetTag(GenAiNames.ResponseModel, _responseModel);
            }
            if (_opened)
            {
                activity.SetTag(GenAiNames.InputTokens, spent.InputTokens);
                activity.SetTag(GenAiNames.OutputTokens, spent.OutputTokens);
                activity.SetTag(GenAiNames.CacheReadTokens, spent.CacheReadInputTokens);
                activity.SetTag(GenAiNames.CacheCreationTokens, spent.CacheCreationInputTokens);
            }
            if (_finishReason is not null)
            {
                activity.SetTag(GenAiNames.FinishReasons, new[] { _finishReason });
            }
            if (errorType is not null)
            {
                activity.SetTag(GenAiNames.ErrorType, errorType);
                activity.SetStatus(ActivityStatusCode.Error, failure?.Reason ?? "The call was cancelled by a deadline or by the client going away.");
                if (failure is not null)
                {
                    activity.SetTag("consilium.error.code", failure.Code);
                }
            }
            if (nextModel is not null && failure is not null)
            {
                activity.AddEvent(new ActivityEvent("retry", tags: new ActivityTagsCollection
                {
                    ["http.response.status_code"] = failure.Status,
                    ["consilium.retry.next_model"] = nextModel,
                }));
            }
        }
        activity?.Stop();
        metrics.Call(agentId, model, responseModel, spent, time.GetElapsedTime(_startedAt), _firstChunk, errorType);
    }
}
