using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using Consilium.Agent;
using Consilium.ModelSimulator;
using Consilium.Orchestrator;
using Consilium.Testing;

namespace Consilium.Council.Tests.Hosting;

/// <summary>
/// The whole council on real sockets: the model simulator (fast: 5 ms to the first token, 2000 tokens/s), the ten real
/// agents in front of it, real Redis, and two orchestrator replicas sharing that Redis.
/// </summary>
public sealed class CouncilCluster : IAsyncLifetime
{
    public const string Secret = "council-test-secret";
    public const string InternalKey = "council-test-internal-key";

    private readonly List<IAsyncDisposable> _hosts = [];

    public RedisFixture Redis { get; } = new();

    public ServiceHost<SimulatorApp> Simulator { get; private set; } = null!;

    public IReadOnlyDictionary<string, Uri> Agents { get; private set; } = null!;

    /// <summary>Two replicas of the orchestrator on the same Redis.</summary>
    public IReadOnlyList<ServiceHost<OrchestratorApp>> Orchestrators { get; private set; } = null!;

    public async ValueTask InitializeAsync()
    {
        await Redis.InitializeAsync();
        Simulator = Add(ServiceHost<SimulatorApp>.Start(new Dictionary<string, string>
        {
            ["SIM_TTFT_MS"] = "5",
            ["SIM_TOKENS_PER_SECOND"] = "2000",
            ["SIM_FAULTS"] = "",
            ["SIM_API_KEY"] = "",
        }));

        var agents = await Task.WhenAll(Roster.Ids.Select(id => Task.Run(() => (Id: id, Host: ServiceHost<AgentApp>.Start(new Dictionary<string, string>
        {
            ["AGENT_ID"] = id,
            ["INTERNAL_KEY"] = InternalKey,
            ["ANTHROPIC_API_KEY"] = "",
            ["ANTHROPIC_BASE_URL"] = "",
            ["MODEL_SIMULATOR_URL"] = Simulator.BaseAddress.AbsoluteUri,
            ["CONSILIUM_MODELS"] = "",
            ["AGENT_RETRY_AFTER_CAP"] = "0.1",
        })))));
        foreach (var agent in agents)
        {
            Add(agent.Host);
        }
        Agents = agents.ToDictionary(a => a.Id, a => a.Host.BaseAddress, StringComparer.Ordinal);

        Orchestrators = [StartOrchestrator(), StartOrchestrator()];
    }

    /// <summary>Another orchestrator replica on the cluster's Redis, with settings changed by <paramref name="overrides"/>.</summary>
    public ServiceHost<OrchestratorApp> StartOrchestrator(params (string Name, string Value)[] overrides)
    {
        var settings = new Dictionary<string, string>
        {
            ["CONSILIUM_SECRET"] = Secret,
            ["INTERNAL_KEY"] = InternalKey,
            ["AGENT_URLS"] = string.Join(",", Agents.Select(agent => $"{agent.Key}={agent.Value.AbsoluteUri}")),
            ["REDIS_URL"] = Redis.Url,
            ["REDIS_KEY_PREFIX"] = Redis.KeyPrefix,
            ["ANTHROPIC_API_KEY"] = "",
            ["ANTHROPIC_BASE_URL"] = "",
            ["MODEL_SIMULATOR_URL"] = Simulator.BaseAddress.AbsoluteUri,
            ["CONSILIUM_MODELS"] = "",
            ["CONSILIUM_PRICING"] = "",
            ["RATE_LIMIT_PER_MINUTE"] = "100000",
            ["COUNCIL_STREAMS_PER_CLIENT"] = "1000",
            ["ALLOWED_ORIGINS"] = "",
        };
        foreach (var (name, value) in overrides)
        {
            settings[name] = value;
        }
        return Add(ServiceHost<OrchestratorApp>.Start(settings));
    }

    /// <summary>A client of one replica's public API, with the bearer unless told otherwise; no timeout (answers are streams).</summary>
    public static HttpClient CreateClient(ServiceHost<OrchestratorApp> orchestrator, string? bearer = Secret)
    {
        var client = new HttpClient { BaseAddress = orchestrator.BaseAddress, Timeout = Timeout.InfiniteTimeSpan };
        if (bearer is not null)
        {
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
        }
        return client;
    }

    /// <summary>The simulator's request log, oldest first.</summary>
    public async Task<IReadOnlyList<JsonElement>> SimulatorRequestsAsync(CancellationToken cancellationToken)
    {
        using var client = new HttpClient { BaseAddress = Simulator.BaseAddress };
        var log = await client.GetFromJsonAsync<JsonElement>("/sim/requests", cancellationToken);
        return [.. log.EnumerateArray().Select(entry => entry.Clone())];
    }

    private T Add<T>(T host) where T : IAsyncDisposable
    {
        lock (_hosts)
        {
            _hosts.Add(host);
        }
        return host;
    }

    public async ValueTask DisposeAsync()
    {
        for (var i = _hosts.Count - 1; i >= 0; i--)
        {
            await _hosts[i].DisposeAsync();
        }
        await Redis.DisposeAsync();
    }
}
