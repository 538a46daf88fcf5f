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
        Simulator = Add(ServiceHost<SimulatorApp>.Start(ServiceSettings.FastSimulator()));

        var agents = await Task.WhenAll(Roster.Ids.Select(id => Task.Run(() => (Id: id, Host: ServiceHost<AgentApp>.Start(
            ServiceSettings.Agent(id, InternalKey, Simulator.BaseAddress).With(("AGENT_RETRY_AFTER_CAP", "0.1")))))));
        foreach (var agent in agents)
        {
            Add(agent.Host);
        }
        Agents = agents.ToDictionary(a => a.Id, a => a.Host.BaseAddress, StringComparer.Ordinal);

        Orchestrators = [StartOrchestrator(), StartOrchestrator()];
    }

    /// <summary>Another orchestrator replica on the cluster's Redis, with settings changed by <paramref name="overrides"/>.</summary>
    public ServiceHost<OrchestratorApp> StartOrchestrator(params (string Name, string? Value)[] overrides) =>
        Add(ServiceHost<OrchestratorApp>.Start(ServiceSettings.Orchestrator(Secret, InternalKey, Agents, Simulator.BaseAddress)
            .With(("REDIS_URL", Redis.Url), ("REDIS_KEY_PREFIX", Redis.KeyPrefix))
            .With(overrides)));

    /// <summary>The orchestrator's settings for this cluster's agents and simulator (no Redis), changed by <paramref name="overrides"/>.</summary>
    public Dictionary<string, string?> OrchestratorSettings(params (string Name, string? Value)[] overrides) =>
        ServiceSettings.Orchestrator(Secret, InternalKey, Agents, Simulator.BaseAddress).With(overrides);

    /// <summary>An orchestrator replica with exactly these settings (e.g. its own Redis, or an agent replaced).</summary>
    public ServiceHost<OrchestratorApp> StartOrchestratorWith(Dictionary<string, string?> settings) =>
        Add(ServiceHost<OrchestratorApp>.Start(settings));

    /// <summary>A client of one replica's public API, with the bearer unless told otherwise; no timeout (answers are streams).</summary>
    public static HttpClient CreateClient(ServiceHost<OrchestratorApp> orchestrator, string? bearer = Secret) =>
        ProcessTopology.CreateClient(orchestrator.BaseAddress, bearer);

    /// <summary>The simulator's request log, oldest first.</summary>
    public Task<IReadOnlyList<JsonElement>> SimulatorRequestsAsync(CancellationToken cancellationToken) =>
        SimulatorRequestLog.ReadAsync(Simulator.Http, cancellationToken);

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
