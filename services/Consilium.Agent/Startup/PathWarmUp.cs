using System.Text;
using Consilium.Agent.Api;
using Consilium.Agent.Options;
using Consilium.Agent.Personas;
using Consilium.Agent.Telemetry;
using Consilium.Agent.Upstream;
using Consilium.Anthropic;
using Consilium.Contracts;
using Consilium.ServiceDefaults.WarmUp;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Consilium.Agent.Startup;

/// <summary>
/// Runs the agent's own answer path once before <c>/health</c> reports ready, so the first real question does
/// not pay for compiling it (docs/benchmarks.md, "Cold start"): the real <see cref="ModelFallbackChain"/> and the
/// real <c>/v1/ask</c> response writer over a canned model stream served in memory (no model is called, nothing is
/// billed, the agent's metrics and logs are untouched), then one request through its own Kestrel pipeline on loopback.
/// The readiness check waits for it (<see cref="StartupWarmUp"/>); a failed warm-up is logged and the agent is ready anyway.
/// </summary>
public sealed class PathWarmUp(
    IServiceProvider services,
    IServer server,
    IHostApplicationLifetime lifetime,
    AnthropicRequestBuilder requests,
    AnthropicUpstream upstream,
    IOptions<UpstreamOptions> upstreamOptions,
    IOptions<TimeoutOptions> timeouts,
    AgentPersona persona,
    TimeProvider time,
    ILogger<PathWarmUp> logger) : StartupWarmUp(server, lifetime, time, logger)
{
    /// <summary>One answer compiles the path; more would only add start-up time on a loaded machine (tiering follows real traffic).</summary>
    private const int Answers = 1, Deltas = 40;

    private static readonly byte[] ModelStream = Encoding.UTF8.GetBytes(CannedModelStream.Build([.. Enumerable.Repeat(" warm", Deltas)]).ToString());

    protected override async Task WarmAsync(Uri? loopback, CancellationToken cancellationToken)
    {
        if (persona.Current is { } current)
        {
            await AnswerInMemoryAsync(current, cancellationToken).ConfigureAwait(false);
        }
        await GetAliveAsync(loopback, cancellationToken).ConfigureAwait(false);
    }

    private async Task AnswerInMemoryAsync(Persona current, CancellationToken cancellationToken)
    {
        using var meters = new UnheardMeters("Consilium.Agent.WarmUp");
        // No span of the warm-up's answers reaches an exporter.
        using var quiet = OpenTelemetry.SuppressInstrumentationScope.Begin();
        using var http = new HttpClient(new CannedEventStreams(_ => ModelStream)) { Timeout = Timeout.InfiniteTimeSpan };
        var metrics = new AgentMetrics(meters);
        var chain = new ModelFallbackChain(
            new AnthropicClient(http, upstream with { BaseUrl = new Uri("http://warm-up.invalid") }), requests, upstreamOptions, timeouts, Time,
            metrics, new ModelCircuits(Microsoft.Extensions.Options.Options.Create(new ModelCircuitOptions()), Time, metrics, NullLogger<ModelCircuits>.Instance),
            new ChatTelemetry(metrics, new Consilium.Telemetry.TelemetrySettings(false, false, null, "warm-up", "warm-up"), Time),
            NullLogger<ModelFallbackChain>.Instance);
        for (var i = 0; i < Answers; i++)
        {
            var context = new DefaultHttpContext { RequestServices = services };
            context.Response.Body = Stream.Null;
            var result = TypedResults.ServerSentEvents(AskApi.StreamAsync(current, new AskRequest("warm-up", null), chain, context, Time));
            await result.ExecuteAsync(context).WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }
}
