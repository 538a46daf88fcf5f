namespace Consilium.Gateway;

/// <summary>Names this service's assembly for hosts and tests (<c>WebApplicationFactory&lt;GatewayApp&gt;</c>).</summary>
public sealed class GatewayApp;
