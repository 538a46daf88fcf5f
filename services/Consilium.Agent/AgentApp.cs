namespace Consilium.Agent;

/// <summary>Names this service's assembly for hosts and tests (<c>WebApplicationFactory&lt;AgentApp&gt;</c>).</summary>
public sealed class AgentApp;
