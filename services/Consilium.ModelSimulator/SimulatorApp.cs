namespace Consilium.ModelSimulator;

/// <summary>Names this service's assembly for hosts and tests (<c>WebApplicationFactory&lt;SimulatorApp&gt;</c>).</summary>
public sealed class SimulatorApp;
