using System.Diagnostics.Metrics;
using Consilium.Telemetry;

namespace Consilium.Agent.Telemetry;

/// <summary>
/// The agent's own instruments on the <c>Consilium</c> meter: the GenAI client metrics per model call (tokens by type,
/// duration, time to the first chunk, time per output token, cache read ratio), fallbacks, answers by outcome and the
/// answer streams open now (docs/observability.md). Nothing here is recorded per delta.
/// </summary>
public sealed class AgentMetrics
{
    /// <summary>Seconds, from a few milliseconds (the simulator) to the three-minute total deadline.</summary>
    private static readonly InstrumentAdvice<double> SecondsAdvice = new()
    {
        HistogramBucketBoundaries = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 30, 60, 120, 180],
    };

    private static readonly InstrumentAdvice<double> PerTokenAdvice = new()
    {
        HistogramBucketBoundaries = [0.0001, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5],
    };

    private readonly Counter<long> _fallbacks;
    private readonly Counter<long> _answers;
    private readonly Counter<long> _circuitTransitions;
    private readonly Counter<long> _circuitSkips;
    private readonly Meter _meter;
    private readonly UpDownCounter<long> _openStreams;
    private readonly Histogram<long> _tokens;
    private readonly Histogram<double> _duration;
    private readonly Histogram<double> _timeToFirstChunk;
    private readonly Histogram<double> _timePerOutputChunk;
    private readonly Histogram<double> _cacheReadRatio;

    public AgentMetrics(IMeterFactory meters)
    {
        var meter = meters.Create(ServiceDefaultsExtensions.MeterName);
        _fallbacks = meter.CreateCounter<long>("consilium.agent.fallbacks", "{fallback}", "Switches to the next model of CONSILIUM_MODELS, by agent, failed model and status (0: no HTTP status).");
        _answers = meter.CreateCounter<long>("consilium.agent.answers", "{answer}", "Answers by outcome: done, or the error code.");
        _circuitTransitions = meter.CreateCounter<long>("consilium.agent.model_circuit.transitions", "{transition}", "Circuit breaker state changes per model (open, half_open, closed).");
        _circuitSkips = meter.CreateCounter<long>("consilium.agent.model_circuit.skips", "{attempt}", "Attempts not made because the model's circuit was open.");
        _meter = meter;
        _openStreams = meter.CreateUpDownCounter<long>("consilium.agent.streams.open", "{stream}", "Answer streams this agent is writing now.");
        _tokens = meter.CreateHistogram<long>(GenAiNames.TokenUsage, "{token}", "Tokens per model call, by model and token type (input, output, cache_read, cache_creation).");
        _duration = meter.CreateHistogram(GenAiNames.OperationDuration, "s", "Duration of one model call, to the end of its stream.", advice: SecondsAdvice);
        _timeToFirstChunk = meter.CreateHistogram(GenAiNames.TimeToFirstChunkMetric, "s", "From the agent's request to the answer's first text, across fallbacks.", advice: SecondsAdvice);
        _timePerOutputChunk = meter.CreateHistogram(GenAiNames.TimePerOutputChunk, "s", "Time per output token after the first one, for calls that finished.", advice: PerTokenAdvice);
        _cacheReadRatio = meter.CreateHistogram<double>(GenAiNames.CacheReadRatio, "1", "Share of the prompt read from the prompt cache, per model call.");
    }

    /// <summary>The <c>consilium.agent.model_circuit</c> gauge: 0 closed, 1 half-open, 2 open, per model.</summary>
    public void ObserveCircuits(Func<IEnumerable<(string Model, int State)>> states) =>
        _meter.CreateObservableGauge("consilium.agent.model_circuit", () => states().Select(s => new Measurement<int>(s.State, new KeyValuePair<string, object?>("model", s.Model))),
            "{state}", "Circuit breaker state per model: 0 closed, 1 half-open, 2 open.");

    public void CircuitChanged(string model, string state) =>
        _circuitTransitions.Add(1, new("model", model), new("state", state));

    public void CircuitSkipped(string model) =>
        _circuitSkips.Add(1, new KeyValuePair<string, object?>("model", model));

    public void Fallback(string agent, string model, int status) =>
        _fallbacks.Add(1, new("agent", agent), new("model", model), new("status", status));

    public void Answered(string agent, string outcome) =>
        _answers.Add(1, new("agent", agent), new("outcome", outcome));

    /// <summary>One answer stream opened; dispose the result when it ends.</summary>
    public OpenStream StreamOpened(string agent)
    {
        var tag = new KeyValuePair<string, object?>("agent", agent);
        _openStreams.Add(1, tag);
        return new OpenStream(_openStreams, tag);
    }

    /// <summary>The answer's first text, <paramref name="milliseconds"/> after the agent's request.</summary>
    public void FirstToken(string agent, string model, double milliseconds) =>
        _timeToFirstChunk.Record(milliseconds / 1000, Tags(agent, model, model));

    /// <summary>One model call ended; <paramref name="errorType"/> is null when it finished.</summary>
    public void Call(string agent, string requestModel, string responseModel, Streaming.Usage usage, TimeSpan duration, TimeSpan? firstChunk, string? errorType)
    {
        var tags = Tags(agent, requestModel, responseModel);
        if (errorType is not null)
        {
            tags.Add(GenAiNames.ErrorType, errorType);
        }
        _duration.Record(duration.TotalSeconds, tags);
        if (usage == Streaming.Usage.Zero)
        {
            return;
        }
        Record(usage.InputTokens, "input");
        Record(usage.OutputTokens, "output");
        Record(usage.CacheReadInputTokens, "cache_read");
        Record(usage.CacheCreationInputTokens, "cache_creation");
        var prompt = usage.InputTokens + usage.CacheReadInputTokens + usage.CacheCreationInputTokens;
        if (prompt > 0)
        {
            _cacheReadRatio.Record((double)usage.CacheReadInputTokens / prompt, Tags(agent, requestModel, responseModel));
        }
        if (errorType is null && firstChunk is { } first && usage.OutputTokens > 1)
        {
            _timePerOutputChunk.Record((duration - first).TotalSeconds / (usage.OutputTokens - 1), Tags(agent, requestModel, responseModel));
        }

        void Record(long tokens, string type)
        {
            var withType = Tags(agent, requestModel, responseModel);
            withType.Add(GenAiNames.TokenType, type);
            _tokens.Record(tokens, withType);
        }
    }

    private static System.Diagnostics.TagList Tags(string agent, string requestModel, string responseModel) => new()
    {
        { GenAiNames.OperationName, GenAiNames.Chat },
        { GenAiNames.ProviderName, GenAiNames.Anthropic },
        { GenAiNames.RequestModel, requestModel },
        { GenAiNames.ResponseModel, responseModel },
        { "agent", agent },
    };

    /// <summary>Takes the stream off the open count once.</summary>
    public readonly struct OpenStream(UpDownCounter<long> counter, KeyValuePair<string, object?> tag) : IDisposable
    {
        public void Dispose() => counter.Add(-1, tag);
    }
}
