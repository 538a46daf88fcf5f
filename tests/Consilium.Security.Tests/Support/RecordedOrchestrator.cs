namespace Consilium.Security.Tests.Support;

/// <summary>A real orchestrator whose agents are <see cref="RecordingAgents"/>: shows which requests reached an agent.</summary>
public abstract class RecordedOrchestrator(IReadOnlyDictionary<string, string?> settings) : IAsyncLifetime
{
    public RecordingAgents Agents { get; private set; } = null!;

    public OrchestratorHost Host { get; private set; } = null!;

    public async ValueTask InitializeAsync()
    {
        Agents = await RecordingAgents.StartAsync();
        var all = new Dictionary<string, string?>(settings) { ["AGENT_URL_TEMPLATE"] = Agents.UrlTemplate };
        Host = new OrchestratorHost(OrchestratorHost.Settings(all));
        await Host.InitializeAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await ((IAsyncDisposable)Host).DisposeAsync();
        await Agents.DisposeAsync();
        GC.SuppressFinalize(this);
    }
}
