using Consilium.Agent;
using Consilium.Council;
using Consilium.ModelSimulator;
using Consilium.Orchestrator.Agents;
using Consilium.Streaming;
using Consilium.Testing;
using Microsoft.Extensions.DependencyInjection;

[assembly: AssemblyFixture(typeof(Consilium.Orchestrator.Tests.CouncilFixture))]

namespace Consilium.Orchestrator.Tests;

/// <summary>
/// The real orchestrator on Kestrel with two real agents (<see cref="LiveAgents"/>) in front of the real model
/// simulator; every other seat points at a closed port, so it is unreachable.
/// </summary>
public sealed class CouncilFixture : IAsyncLifetime
{
    public const string Secret = "test-public-secret";
    public const string InternalKey = "test-internal-key";

    /// <summary>Seats served by a real agent. <c>chen</c> is kept for the cancellation test alone.</summary>
    public static readonly IReadOnlyList<string> LiveAgents = ["vasquez", "chen"];

    /// <summary>The heartbeat used here, short so a test can see it while the model thinks.</summary>
    public static readonly TimeSpan Heartbeat = TimeSpan.FromMilliseconds(250);

    private readonly List<IAsyncDisposable> _hosts = [];

    public Uri SimulatorUrl { get; private set; } = null!;

    public Uri OrchestratorUrl { get; private set; } = null!;

    public IReadOnlyDictionary<string, Uri> AgentUrls { get; private set; } = null!;

    /// <summary>Where unreachable seats point: a loopback port nothing listens on.</summary>
    public static Uri ClosedPortUrl { get; } = new($"http://127.0.0.1:{Ports.GetFree()}/");

    public ValueTask InitializeAsync()
    {
        // Four servers and their clients share this one process (and its thread pool) while tests run in parallel;
        // enough ready threads keep a slow start of the pool from showing up as latency in a timing assertion.
        ThreadPool.GetMinThreads(out var workers, out var io);
        ThreadPool.SetMinThreads(Math.Max(workers, 32), Math.Max(io, 32));

        var simulator = Add(ServiceHost<SimulatorApp>.Start(ServiceSettings.FastSimulator().With(("SIM_OUTPUT_TOKENS", "80"))));
        SimulatorUrl = simulator.BaseAddress;

        AgentUrls = LiveAgents.ToDictionary(
            id => id,
            id => Add(ServiceHost<AgentApp>.Start(ServiceSettings.Agent(id, InternalKey, SimulatorUrl))).BaseAddress,
            StringComparer.Ordinal);

        OrchestratorUrl = Add(ServiceHost<OrchestratorApp>.Start(OrchestratorSettings(AgentUrls, SimulatorUrl), services =>
        {
            services.Configure<AgentHealthOptions>(options => options.Interval = TimeSpan.FromMilliseconds(200));
            services.AddSingleton(new SseStreamOptions { HeartbeatInterval = Heartbeat });
        })).BaseAddress;
        return ValueTask.CompletedTask;
    }

    /// <summary>The orchestrator's settings with the given live agents; every other seat is unreachable.</summary>
    private static Dictionary<string, string?> OrchestratorSettings(IReadOnlyDictionary<string, Uri> liveAgents, Uri simulator) =>
        ServiceSettings.Orchestrator(Secret, InternalKey, liveAgents, simulator).With(("AGENT_URL_TEMPLATE", ClosedPortUrl.AbsoluteUri + "{id}"));

    /// <summary>A client of the public API; with the bearer unless told otherwise. No timeout: answers are streams.</summary>
    public HttpClient CreateClient(string? bearer = Secret) => ProcessTopology.CreateClient(OrchestratorUrl, bearer);

    public HttpClient CreateSimulatorClient() => new() { BaseAddress = SimulatorUrl };

    /// <summary>Every roster seat that is not served by a live agent.</summary>
    public static IEnumerable<string> UnreachableAgents => Roster.Ids.Except(LiveAgents);

    private ServiceHost<T> Add<T>(ServiceHost<T> host) where T : class
    {
        _hosts.Add(host);
        return host;
    }

    public async ValueTask DisposeAsync()
    {
        for (var i = _hosts.Count - 1; i >= 0; i--)
        {
            await _hosts[i].DisposeAsync();
        }
    }
}
