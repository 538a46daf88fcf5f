using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Consilium.Testing;

namespace Consilium.EndToEnd.Tests.Reliability;

/// <summary>
/// The whole system as separate processes with a real Redis and two orchestrator replicas behind the gateway, set up
/// for the reliability tests: a 3 s <c>SSE_WRITE_TIMEOUT</c>, one council stream per client, a small rate limit
/// (each test is its own client through <c>X-Forwarded-For</c>, which the orchestrators believe from loopback),
/// a 3 s circuit break and two bearer secrets.
/// </summary>
public sealed class ReliabilityStack : IAsyncLifetime
{
    public const int RateLimit = 30;
    public const string FirstModel = "claude-sonnet-4-20250514";
    public const string SecondModel = "claude-haiku-4-5-20251001";

    private static int _nextClient;
    private readonly ConcurrentQueue<string> _lines = new();

    public ProcessTopology Topology { get; private set; } = null!;

    public RedisServer Redis { get; private set; } = null!;

    public string SecondSecret { get; } = "second-" + Guid.NewGuid().ToString("N") + Guid.NewGuid().ToString("N");

    /// <summary>Every line any service wrote (the processes keep only their last lines).</summary>
    public IEnumerable<string> Lines(string service) => _lines.Where(line => line.StartsWith(service + " | ", StringComparison.Ordinal));

    public async ValueTask InitializeAsync()
    {
        Redis = await RedisServer.StartNewAsync(TestContext.Current.CancellationToken);
        var first = "first-" + Guid.NewGuid().ToString("N") + Guid.NewGuid().ToString("N");
        Topology = await ProcessTopology.StartAsync(new Dictionary<string, string?>
        {
            ["REDIS_URL"] = Redis.Url,
            ["CONSILIUM_SECRET"] = $"{first},{SecondSecret}",
            ["SSE_WRITE_TIMEOUT"] = "3",
            ["COUNCIL_STREAMS_PER_CLIENT"] = "1",
            ["RATE_LIMIT_PER_MINUTE"] = RateLimit.ToString(CultureInfo.InvariantCulture),
            ["MODEL_CIRCUIT_BREAK"] = "3",
            ["CONSILIUM_MODELS"] = $"{FirstModel},{SecondModel}",
            ["AGENT_MAX_TOKENS"] = "8000", // long enough answers to fill every buffer between a stalled reader and the orchestrator
        }, TestContext.Current.CancellationToken, orchestratorReplicas: 2, echo: (name, line) => _lines.Enqueue($"{name} | {line}"));
    }

    public async ValueTask DisposeAsync()
    {
        if (Topology is not null)
        {
            await Topology.DisposeAsync();
        }
        if (Redis is not null)
        {
            await Redis.DisposeAsync();
        }
    }

    /// <summary>A client address of its own, so one test's requests never count against another's limits.</summary>
    public static string NewClient() => $"198.51.100.{Interlocked.Increment(ref _nextClient) % 250 + 1}";

    public Uri Orchestrator(int replica) => Topology.Plan.Orchestrators[replica - 1].Url;

    /// <summary>A client of one orchestrator replica that presents itself as <paramref name="client"/>.</summary>
    public HttpClient OrchestratorClient(int replica, string client, string? secret = null)
    {
        var http = ProcessTopology.CreateClient(Orchestrator(replica), secret ?? Topology.Secret);
        http.DefaultRequestHeaders.TryAddWithoutValidation("X-Forwarded-For", client);
        return http;
    }

    public async Task<int> SimulatorRequestsAsync(string seat, string? model = null)
    {
        using var simulator = ProcessTopology.CreateClient(Topology.SimulatorUrl);
        var log = await SimulatorRequestLog.ReadAsync(simulator, TestContext.Current.CancellationToken);
        return log.Count(entry => entry.GetProperty("seat").GetString() == seat
            && (model is null || entry.GetProperty("model").GetString() == model));
    }

    /// <summary>Non-ASCII text goes as UTF-8, not as <c>\u</c> escapes (an emoji is 4 bytes, not 12).</summary>
    private static readonly JsonSerializerOptions Utf8Json = new(JsonSerializerDefaults.Web) { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static async Task<HttpResponseMessage> PostJsonAsync(HttpClient http, string path, object body, Action<HttpRequestMessage>? configure = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = JsonContent.Create(body, options: Utf8Json) };
        configure?.Invoke(request);
        return await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, TestContext.Current.CancellationToken);
    }

    public static async Task<string> ProblemDetailAsync(HttpResponseMessage response)
    {
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken);
        return problem.GetProperty("detail").GetString() ?? "";
    }

    public static HttpStatusCode Status(HttpResponseMessage response) => response.StatusCode;
}
