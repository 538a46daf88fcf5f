using System.Net;

namespace Consilium.ServiceDefaults;

/// <summary>
/// Reads a comma-separated list of networks (<c>10.0.0.0/8</c>, <c>2001:db8::/32</c>) or single addresses, such as
/// <c>TRUSTED_PROXIES</c> and <c>CLOUDFLARE_IP_RANGES</c>, which the gateway and the orchestrator read alike.
/// </summary>
public static class NetworkList
{
    public static IReadOnlyList<IPNetwork> Parse(string variable, string value)
    {
        var networks = new List<IPNetwork>();
        foreach (var entry in value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            if (IPNetwork.TryParse(entry, out var network) && HasNoHostBits(entry, network))
            {
                networks.Add(network);
            }
            else if (IPAddress.TryParse(entry, out var address))
            {
                address = Normalise(address);
                networks.Add(new IPNetwork(address, address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? 32 : 128));
            }
            else
            {
                throw new ConfigurationErrorException(
                    $"{variable} has '{entry}', which is not an address or a network in CIDR form with the host bits zero (e.g. 10.0.0.0/8, 2001:db8::/32).");
            }
        }
        return networks;
    }

    /// <summary>
    /// <c>10.0.0.1/8</c> is refused rather than read as <c>10.0.0.0/8</c>: the operator may have meant one host.
    /// </summary>
    private static bool HasNoHostBits(string entry, IPNetwork network) =>
        IPAddress.TryParse(entry[..entry.IndexOf('/', StringComparison.Ordinal)], out var written) && written.Equals(network.BaseAddress);

    /// <summary>An IPv4 address that arrived mapped into IPv6 (<c>::ffff:1.2.3.4</c>) as the IPv4 address it is.</summary>
    public static IPAddress Normalise(IPAddress address) =>
        address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;

    public static bool ContainsAddress(this IReadOnlyList<IPNetwork> networks, IPAddress address)
    {
        address = Normalise(address);
        foreach (var network in networks)
        {
            if (network.Contains(address))
            {
                return true;
            }
        }
        return false;
    }
}
