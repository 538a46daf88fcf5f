using System.Collections.Concurrent;
using Consilium.Agent.Telemetry;
using Consilium.Streaming;
using Microsoft.Extensions.Options;
using Polly;
using Polly.CircuitBreaker;

namespace Consilium.Agent.Upstream;

/// <summary>
/// <c>MODEL_CIRCUIT_BREAK</c> and the fixed thresholds of the per-model circuit breaker (docs/reliability.md,
/// "Circuit breaker per model").
/// </summary>
public sealed class ModelCircuitOptions
{
    /// <summary>How long an open circuit skips its model before one request probes it again (half-open).</summary>
    public TimeSpan BreakDuration { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>The window over which failures are counted.</summary>
    public TimeSpan SamplingDuration { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>At least this many attempts in the window before the circuit may open.</summary>
    public int MinimumThroughput { get; set; } = 4;

    /// <summary>The share of failed attempts in the window that opens the circuit.</summary>
    public double FailureRatio { get; set; } = 0.75;

    /// <summary><c>MODEL_CIRCUIT_BREAK=off</c> (or <c>0</c>): every attempt is made; for tests that share one agent process.</summary>
    public bool Enabled { get; set; } = true;

    public static void Read(ModelCircuitOptions options, IConfiguration configuration)
    {
        if (configuration["MODEL_CIRCUIT_BREAK"]?.Trim() is "off" or "0")
        {
            options.Enabled = false;
            return;
        }
        options.BreakDuration = configuration.GetDuration("MODEL_CIRCUIT_BREAK", options.BreakDuration);
    }
}

/// <summary>
/// One circuit breaker (Polly's) per model of <c>CONSILIUM_MODELS</c>, shared by every request of this agent process.
/// When a model keeps failing with 429, 529 or 5xx, its circuit opens: attempts on it are skipped for the break
/// duration and the chain goes straight to the next model, announcing the <c>retry</c> with status 0 (no HTTP answer)
/// as for any other fallback; then one attempt probes it (half-open) and a success closes the circuit again.
/// The last model of the chain is always tried: there is nothing to skip to.
/// </summary>
/// <remarks>
/// Why Polly rather than a counter here: its breaker already has the sampling window, the minimum throughput, the
/// half-open single probe and the state callbacks, tested under concurrency.
/// </remarks>
public sealed partial class ModelCircuits
{
    private readonly ConcurrentDictionary<string, Circuit> _circuits = new(StringComparer.Ordinal);
    private readonly ModelCircuitOptions _options;
    private readonly TimeProvider _time;
    private readonly AgentMetrics _metrics;
    private readonly ILogger<ModelCircuits> _logger;

    public ModelCircuits(IOptions<ModelCircuitOptions> options, TimeProvider time, AgentMetrics metrics, ILogger<ModelCircuits> logger)
    {
        _options = options.Value;
        _time = time;
        _metrics = metrics;
        _logger = logger;
        metrics.ObserveCircuits(() => _circuits.Select(pair => (pair.Key, State(pair.Value.State.CircuitState))));
    }

    /// <summary>The numbers the <c>consilium.agent.model_circuit</c> gauge reports: 0 closed, 1 half-open, 2 open.</summary>
    public static int State(CircuitState state) => state switch
    {
        CircuitState.Closed => 0,
        CircuitState.HalfOpen => 1,
        _ => 2,
    };

    /// <summary>The state of <paramref name="model"/>'s circuit (closed when it was never tried).</summary>
    public CircuitState StateOf(string model) =>
        _circuits.TryGetValue(model, out var circuit) ? circuit.State.CircuitState : CircuitState.Closed;

    /// <summary>
    /// Runs one attempt on <paramref name="model"/> through its circuit. Returns <c>Skipped</c> without calling
    /// <paramref name="attempt"/> when the circuit is open and <paramref name="canSkip"/> (a next model exists).
    /// </summary>
    public async Task<(bool Skipped, AttemptFailure? Failure)> AttemptAsync(
        string model, bool canSkip, Func<Task<AttemptFailure?>> attempt, CancellationToken cancellationToken)
    {
        if (!_options.Enabled)
        {
            return (false, await attempt().ConfigureAwait(false));
        }
        var circuit = _circuits.GetOrAdd(model, Create);
        if (!canSkip && circuit.State.CircuitState is CircuitState.Open or CircuitState.Isolated)
        {
            return (false, await attempt().ConfigureAwait(false));
        }
        var context = ResilienceContextPool.Shared.Get(cancellationToken);
        try
        {
            var outcome = await circuit.Pipeline.ExecuteOutcomeAsync(
                static async (_, state) => Outcome.FromResult(await state().ConfigureAwait(false)), context, attempt).ConfigureAwait(false);
            if (outcome.Exception is BrokenCircuitException)
            {
                if (!canSkip)
                {
                    return (false, await attempt().ConfigureAwait(false)); // half-open, another request probing: try anyway
                }
                LogSkipped(model);
                _metrics.CircuitSkipped(model);
                return (true, null);
            }
            outcome.ThrowIfException();
            return (false, outcome.Result);
        }
        finally
        {
            ResilienceContextPool.Shared.Return(context);
        }
    }

    /// <summary>Failures that say the model is overloaded or broken; a 4xx says something about the request, not the model.</summary>
    public static bool CountsAgainstModel(AttemptFailure? failure) =>
        failure is { Status: 429 or 529 or >= 500 } || failure is { Status: 0, Code: ErrorCodes.Overloaded };

    private Circuit Create(string model)
    {
        var state = new CircuitBreakerStateProvider();
        var pipeline = new ResiliencePipelineBuilder<AttemptFailure?> { TimeProvider = _time }
            .AddCircuitBreaker(new CircuitBreakerStrategyOptions<AttemptFailure?>
            {
                FailureRatio = _options.FailureRatio,
                MinimumThroughput = _options.MinimumThroughput,
                SamplingDuration = _options.SamplingDuration,
                BreakDuration = _options.BreakDuration,
                StateProvider = state,
                // Exceptions (a cancelled call) say nothing about the model: only its answers count.
                ShouldHandle = args => ValueTask.FromResult(args.Outcome.Exception is null && CountsAgainstModel(args.Outcome.Result)),
                OnOpened = args =>
                {
                    LogOpened(model, args.BreakDuration.TotalSeconds, args.Outcome.Result?.Reason ?? "failures");
                    _metrics.CircuitChanged(model, "open");
                    return ValueTask.CompletedTask;
                },
                OnHalfOpened = _ =>
                {
                    LogHalfOpened(model);
                    _metrics.CircuitChanged(model, "half_open");
                    return ValueTask.CompletedTask;
                },
                OnClosed = _ =>
                {
                    LogClosed(model);
                    _metrics.CircuitChanged(model, "closed");
                    return ValueTask.CompletedTask;
                },
            })
            .Build();
        return new Circuit(pipeline, state);
    }

    private sealed record Circuit(ResiliencePipeline<AttemptFailure?> Pipeline, CircuitBreakerStateProvider State);

    [LoggerMessage(EventId = 3101, Level = LogLevel.Warning, Message = "Model {Model}: circuit open for {BreakSeconds} s after repeated failures (last: {Reason}); requests go straight to the next model")]
    private partial void LogOpened(string model, double breakSeconds, string reason);

    [LoggerMessage(EventId = 3102, Level = LogLevel.Information, Message = "Model {Model}: circuit half-open; the next request probes it")]
    private partial void LogHalfOpened(string model);

    [LoggerMessage(EventId = 3103, Level = LogLevel.Information, Message = "Model {Model}: circuit closed; the model answers again")]
    private partial void LogClosed(string model);

    [LoggerMessage(EventId = 3104, Level = LogLevel.Debug, Message = "Model {Model}: circuit open, skipped")]
    private partial void LogSkipped(string model);
}
