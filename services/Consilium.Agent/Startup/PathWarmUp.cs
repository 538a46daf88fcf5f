using System.Diagnostics.Metrics;
using System.Net;
using System.Text;
using Consilium.Agent.Api;
using Consilium.Agent.Options;
using Consilium.Agent.Personas;
using Consilium.Agent.Telemetry;
using Consilium.Agent.Upstream;
using Consilium.Anthropic;
using Consilium.Contracts;
using Consilium.ServiceDefaults.WarmUp;
using Consilium.Streaming;
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

    protected override async Task WarmAsync(Uri? loopback, CancellationToken cancellationToken)
    {
        if (persona.Current is { } current)
        {
            await AnswerInMemoryAsync(current, cancellationToken).ConfigureAwait(false);
        }
        if (loopback is not null)
        {
            // One GET /alive to this process's own address: Kestrel, routing, health middleware, the JSON writer.
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
            using var response = await http.GetAsync(new Uri(loopback, ServiceDefaultsExtensions.AlivePath), cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task AnswerInMemoryAsync(Persona current, CancellationToken cancellationToken)
    {
        using var meters = new UnheardMeters();
        // No span of the warm-up's answers reaches an exporter.
        using var quiet = OpenTelemetry.SuppressInstrumentationScope.Begin();
        using var http = new HttpClient(new CannedModel()) { Timeout = Timeout.InfiniteTimeSpan };
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

    /// <summary>A model that answers every request at once with the same complete stream.</summary>
    private sealed class CannedModel : HttpMessageHandler
    {
        private static readonly byte[] Stream = Build();

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
            Task.FromResult(new HttpResponseMessage(HttpStatusCode.OK)
            {
                Content = new ByteArrayContent(Stream) { Headers = { ContentType = new(SseNames.ContentType) } },
                RequestMessage = request,
            });

        private static byte[] Build()
        {
            var text = new StringBuilder();
            void Event(string type, string data) => text.Append("event: ").Append(type).Append("\ndata: ").Append(data).Append("\n\n");
            Event("message_start", """{"type":"message_start","message":{"id":"msg_warm","type":"message","role":"assistant","content":[],"model":"warm-up","stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":1,"cache_creation_input_tokens":0,"cache_read_input_tokens":0,"output_tokens":1}}}""");
            Event("content_block_start", """{"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}""");
            Event("ping", """{"type":"ping"}""");
            for (var i = 0; i < Deltas; i++)
            {
                Event("content_block_delta", """{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":" warm"}}""");
            }
            Event("content_block_stop", """{"type":"content_block_stop","index":0}""");
            Event("message_delta", """{"type":"message_delta","delta":{"stop_reason":"end_turn","stop_sequence":null},"usage":{"output_tokens":40}}""");
            Event("message_stop", """{"type":"message_stop"}""");
            return Encoding.UTF8.GetBytes(text.ToString());
        }
    }

    /// <summary>Meters no listener subscribes to (not named <c>Consilium</c>): the warm-up's answers are not counted.</summary>
    private sealed class UnheardMeters : IMeterFactory
    {
        private readonly List<Meter> _meters = [];

        public Meter Create(MeterOptions options)
        {
            var meter = new Meter("Consilium.Agent.WarmUp");
            _meters.Add(meter);
            return meter;
        }

        public void Dispose() => _meters.ForEach(m => m.Dispose());
    }
}
