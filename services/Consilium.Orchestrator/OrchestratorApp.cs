namespace Consilium.Orchestrator;

/// <summary>Names this service's assembly for hosts and tests (<c>WebApplicationFactory&lt;OrchestratorApp&gt;</c>).</summary>
public sealed class OrchestratorApp;
