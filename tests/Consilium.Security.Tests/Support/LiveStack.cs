using Consilium.Agent;
using Consilium.ModelSimulator;

namespace Consilium.Security.Tests.Support;

/// <summary>
/// The real model simulator, two real agents with keys of their own (<c>INTERNAL_KEY_VASQUEZ</c>,
/// <c>INTERNAL_KEY_WEBB</c>) beside a shared <c>INTERNAL_KEY</c>, and a real orchestrator in front of them; the agents
/// and the simulator record every request they receive.
/// </summary>
public sealed class LiveStack : IAsyncLifetime
{
    public const string SharedKey = "shared-internal-key-0123456789abcdefghijklmn";
    public const string VasquezKey = "vasquez-internal-key-0123456789abcdefghijklm";
    public const string WebbKey = "webb-internal-key-0123456789abcdefghijklmnopq";

    public static readonly string[] AllInternalKeys = [SharedKey, VasquezKey, WebbKey];

    private readonly List<IAsyncDisposable> _hosts = [];

    public RequestCapture SimulatorRequests { get; } = new();

    public RequestCapture VasquezRequests { get; } = new();

    public RequestCapture WebbRequests { get; } = new();

    public Uri SimulatorUrl { get; private set; } = null!;

    public KestrelHost<AgentApp> Vasquez { get; private set; } = null!;

    public KestrelHost<AgentApp> Webb { get; private set; } = null!;

    public OrchestratorHost Orchestrator { get; private set; } = null!;

    public async ValueTask InitializeAsync()
    {
        var simulator = await StartAsync(new KestrelHost<SimulatorApp>(new Dictionary<string, string?>
        {
            ["SIM_TTFT_MS"] = "5",
            ["SIM_TOKENS_PER_SECOND"] = "2000",
            ["SIM_OUTPUT_TOKENS"] = "40",
            ["SIM_FAULTS"] = "",
        }, SimulatorRequests.AddTo));
        SimulatorUrl = simulator.BaseAddress;
        Vasquez = await StartAsync(new KestrelHost<AgentApp>(AgentSettings("vasquez", simulator.BaseAddress), VasquezRequests.AddTo));
        Webb = await StartAsync(new KestrelHost<AgentApp>(AgentSettings("webb", simulator.BaseAddress), WebbRequests.AddTo));
        Orchestrator = await StartAsync(new OrchestratorHost(OrchestratorSettings(WebbKey)));
    }

    /// <summary>An orchestrator of these agents; <paramref name="webbKey"/> is the key it presents to webb.</summary>
    public Dictionary<string, string?> OrchestratorSettings(string webbKey) => OrchestratorHost.Settings(new Dictionary<string, string?>
    {
        ["INTERNAL_KEY"] = SharedKey,
        ["INTERNAL_KEY_VASQUEZ"] = VasquezKey,
        ["INTERNAL_KEY_WEBB"] = webbKey,
        ["AGENT_URLS"] = $"vasquez={Vasquez.BaseAddress},webb={Webb.BaseAddress}",
        ["RATE_LIMIT_PER_MINUTE"] = "1000",
        ["MODEL_SIMULATOR_URL"] = SimulatorUrl.AbsoluteUri, // the council's synthesis call
        ["ANTHROPIC_API_KEY"] = "",
        ["ANTHROPIC_BASE_URL"] = "",
    });

    public async ValueTask DisposeAsync()
    {
        for (var i = _hosts.Count - 1; i >= 0; i--)
        {
            await _hosts[i].DisposeAsync();
        }
    }

    private static Dictionary<string, string?> AgentSettings(string id, Uri simulator) => new()
    {
        ["AGENT_ID"] = id,
        ["INTERNAL_KEY"] = SharedKey,
        ["INTERNAL_KEY_VASQUEZ"] = VasquezKey,
        ["INTERNAL_KEY_WEBB"] = WebbKey,
        ["MODEL_SIMULATOR_URL"] = simulator.AbsoluteUri,
        ["ANTHROPIC_API_KEY"] = "",
        ["ANTHROPIC_BASE_URL"] = "",
    };

    private async Task<T> StartAsync<T>(T host) where T : IAsyncLifetime
    {
        await host.InitializeAsync();
        _hosts.Add(host);
        return host;
    }
}
