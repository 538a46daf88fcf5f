namespace Consilium.Gateway.Proxy;

/// <summary>
/// Which peers the gateway believes about who the client is: <c>TRUSTED_PROXIES</c> (the hops in front of it, e.g.
/// an ingress controller; none unless configured) and <c>CLOUDFLARE_IP_RANGES</c> (empty unless configured). Options
/// bound and validated at start-up: a malformed entry stops the gateway with one line naming the variable.
/// </summary>
public sealed class EdgeNetworks
{
    public IReadOnlyList<System.Net.IPNetwork> TrustedProxies { get; set; } = [];

    public IReadOnlyList<System.Net.IPNetwork> Cloudflare { get; set; } = [];

    public static void Read(EdgeNetworks networks, IConfiguration configuration)
    {
        networks.TrustedProxies = NetworkList.Parse("TRUSTED_PROXIES", configuration["TRUSTED_PROXIES"] ?? "");
        networks.Cloudflare = NetworkList.Parse("CLOUDFLARE_IP_RANGES", configuration["CLOUDFLARE_IP_RANGES"] ?? "");
    }
}
