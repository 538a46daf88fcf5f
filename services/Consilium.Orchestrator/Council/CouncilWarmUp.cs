using System.Text;
using Consilium.Council;
using Consilium.Council.Pricing;
using Consilium.Orchestrator.Agents;
using Consilium.Orchestrator.Conversations;
using Consilium.Orchestrator.Council.Idempotency;
using Consilium.Orchestrator.Council.Synthesis;
using Consilium.Orchestrator.Redis;
using Consilium.Orchestrator.Sessions;
using Consilium.Orchestrator.Stop;
using Consilium.Orchestrator.Telemetry;
using Consilium.ServiceDefaults.WarmUp;
using Consilium.Streaming;
using Consilium.Telemetry;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Consilium.Orchestrator.Council;

/// <summary>
/// Runs the orchestrator's council path before <c>/health</c> reports ready, so the first real council does not pay
/// for compiling it (docs/benchmarks.md, "Cold start"): <see cref="CouncilApi.AskCouncilAsync"/> itself — the body
/// read, a conversation's first round, the session log, the ten agent streams read and merged, the tension map, the
/// record of the round and the response writer — over canned agent streams in memory behind the agents' own client
/// handlers (the resilience pipeline included), with its own in-memory stores, stop registry and unheard meters: no
/// agent is called, no span or metric is recorded, nothing is logged and nothing reaches Redis. Then one
/// <c>GET /alive</c> through its own Kestrel pipeline, as every service does.
/// </summary>
public sealed class CouncilWarmUp(
    IServiceProvider services,
    IHttpClientFactory clients,
    IServer server,
    IHostApplicationLifetime lifetime,
    AgentEndpoints endpoints,
    SynthesisCall synthesis,
    PricingTable pricing,
    RedisConnection redis,
    CouncilIdempotency idempotency,
    IOptions<CouncilOptions> council,
    IOptions<ConversationOptions> conversation,
    SessionStoreOptions sessionOptions,
    SseStreamOptions streamOptions,
    TimeProvider time,
    ILogger<CouncilWarmUp> logger) : StartupWarmUp(server, lifetime, time, logger)
{
    /// <summary>Text deltas per canned answer, as in the agent's warm-up: enough for every per-delta call to run many times.</summary>
    private const int Deltas = 40;

    private static readonly byte[] Body = Encoding.UTF8.GetBytes("""{"message":"Should the warm-up council finish quickly?","synthesis":false}""");

    protected override async Task WarmAsync(Uri? loopback, CancellationToken cancellationToken)
    {
        await CouncilInMemoryAsync(cancellationToken).ConfigureAwait(false);
        await GetAliveAsync(loopback, cancellationToken).ConfigureAwait(false);
    }

    private async Task CouncilInMemoryAsync(CancellationToken cancellationToken)
    {
        using var meters = new UnheardMeters("Consilium.Orchestrator.WarmUp");
        // No span of the warm-up's council reaches an exporter.
        using var quiet = OpenTelemetry.SuppressInstrumentationScope.Begin();
        // The agents' own client handlers (resilience pipeline included) in front of canned streams: AgentsExtensions.
        var http = clients.CreateClient(AgentsExtensions.WarmUpClientName);
        using var store = new MemorySessionStore(Time, sessionOptions);
        var conversations = new ConversationService(new MemoryConversationStore(Time), conversation, council, Time, NullLogger<ConversationService>.Instance);
        var telemetry = new CouncilTelemetry(new CouncilMetrics(meters), pricing, new TelemetrySettings(false, false, null, "warm-up", "warm-up"), Time, NullLogger<CouncilTelemetry>.Instance);
        var runner = new CouncilRunner(
            new AgentClient(http, endpoints, NullLogger<AgentClient>.Instance), synthesis, pricing, conversations,
            new CouncilStops(redis, Time, NullLogger<CouncilStops>.Instance), council, Time, telemetry, NullLogger<CouncilRunner>.Instance);
        using var sessions = new CouncilSessions(store, runner, council, Lifetime, NullLogger<CouncilSessions>.Instance);

        var context = new DefaultHttpContext { RequestServices = services };
        context.Request.Method = HttpMethods.Post;
        context.Request.ContentType = "application/json";
        context.Request.ContentLength = Body.Length;
        context.Request.Body = new MemoryStream(Body, writable: false);
        var written = new MemoryStream();
        context.Response.Body = written;
        var result = await CouncilApi.AskCouncilAsync(
            context, sessions, conversations, store, council, streamOptions, idempotency, telemetry, NullLogger<CouncilSessions>.Instance).ConfigureAwait(false);
        await result.ExecuteAsync(context).WaitAsync(cancellationToken).ConfigureAwait(false);
        // A warm-up that ran only part of the path would be quietly worth less: it must have reached the end.
        var stream = Encoding.UTF8.GetString(written.GetBuffer(), 0, (int)written.Length);
        foreach (var expected in (string[])[CouncilEventNames.TensionMap, CouncilEventNames.Done])
        {
            if (!stream.Contains($"event: {expected}\n", StringComparison.Ordinal))
            {
                throw new InvalidOperationException($"The warm-up council's stream has no '{expected}' event; it ends: {stream[^Math.Min(stream.Length, 300)..]}");
            }
        }
        // The stream ended with the council's done; its run returns right after writing it (on the real clock: a test's
        // fake clock would never let this wait end).
        while (sessions.Running > 0)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(5), TimeProvider.System, cancellationToken).ConfigureAwait(false);
        }
    }

    private static int _answered;

    /// <summary>
    /// An agent's answer as its <c>/v1/ask</c> streams it: the model's events, a stance block (a different position each
    /// time, so the map has an axis), then <c>done</c>.
    /// </summary>
    public static byte[] AgentStream(HttpRequestMessage request)
    {
        var answer = Interlocked.Increment(ref _answered);
        var stance = new Stance(answer % 5 - 2, 0.5, "Warm-up.", new Dictionary<string, int> { ["warm-up"] = answer % 3 - 1 });
        var text = CannedModelStream.Build([.. Enumerable.Repeat(" warm", Deltas), " " + stance.ToBlock()]);
        var done = StreamEvents.Done("warm-up", new Usage { InputTokens = 1, OutputTokens = Deltas + 1 }, 1, 1);
        CannedModelStream.Append(text, done.EventType, done.Data);
        return Encoding.UTF8.GetBytes(text.ToString());
    }
}
