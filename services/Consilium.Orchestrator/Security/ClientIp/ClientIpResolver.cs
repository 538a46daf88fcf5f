using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Primitives;

namespace Consilium.Orchestrator.Security;

/// <summary>
/// Who the client is, for rate limiting (CONTRACT §3): the TCP peer, unless the peer is a trusted proxy
/// (<c>TRUSTED_PROXIES</c>, the gateway), in which case <c>X-Forwarded-For</c> is read from the right, skipping the
/// trusted hops, and the first address a trusted hop vouches for is the client. When <c>CLOUDFLARE_IP_RANGES</c> is set
/// and that address is a Cloudflare edge, <c>CF-Connecting-IP</c> names the client instead. Headers sent by anyone
/// else (<c>X-Forwarded-For</c>, <c>Forwarded</c>, <c>CF-Connecting-IP</c>, <c>X-Real-IP</c>) change nothing.
/// </summary>
/// <remarks>
/// Not ASP.NET's <c>ForwardedHeadersMiddleware</c>: it rewrites the connection's address for the whole app and has
/// no notion of "believe this header only from that hop", which the Cloudflare mode needs.
/// </remarks>
public sealed class ClientIpResolver(PublicSecurityOptions options)
{
    public const string ForwardedForHeader = "X-Forwarded-For";
    public const string CloudflareHeader = "CF-Connecting-IP";

    /// <summary>At most this many <c>X-Forwarded-For</c> hops are examined.</summary>
    public const int MaxHops = 16;

    public IPAddress Resolve(HttpContext context) =>
        Resolve(
            context.Connection.RemoteIpAddress,
            context.Request.Headers[ForwardedForHeader],
            context.Request.Headers[CloudflareHeader]);

    public IPAddress Resolve(IPAddress? peer, StringValues forwardedFor, StringValues cloudflareClient)
    {
        var client = peer is null ? IPAddress.IPv6None : Normalise(peer);
        if (!options.TrustedProxies.ContainsAddress(client))
        {
            return client;
        }

        var hops = SplitHops(forwardedFor);
        for (var i = hops.Count - 1; i >= 0 && i >= hops.Count - MaxHops; i--)
        {
            if (!TryParseHop(hops[i], out var hop))
            {
                break; // a trusted hop wrote something unreadable: keep the last address we could vouch for
            }
            client = hop;
            if (!options.TrustedProxies.ContainsAddress(hop))
            {
                break;
            }
        }

        if (options.CloudflareRanges.Count > 0 && options.CloudflareRanges.ContainsAddress(client)
            && cloudflareClient.Count == 1 && IPAddress.TryParse(cloudflareClient[0]?.Trim(), out var viaCloudflare))
        {
            return Normalise(viaCloudflare);
        }
        return client;
    }

    /// <summary>
    /// The rate-limit key for an address: an IPv4 address as is, an IPv6 address by its /64 (one subscriber usually
    /// holds a whole /64, so keying single IPv6 addresses would hand a client 2^64 budgets).
    /// </summary>
    public static string Bucket(IPAddress address)
    {
        address = Normalise(address);
        if (address.AddressFamily != AddressFamily.InterNetworkV6)
        {
            return address.ToString();
        }
        var bytes = address.GetAddressBytes();
        Array.Clear(bytes, 8, 8);
        return new IPAddress(bytes) + "/64";
    }

    public static IPAddress Normalise(IPAddress address) => NetworkList.Normalise(address);

    private static List<string> SplitHops(StringValues values)
    {
        var hops = new List<string>();
        foreach (var value in values)
        {
            if (value is null)
            {
                continue;
            }
            foreach (var hop in value.Split(',', StringSplitOptions.TrimEntries))
            {
                hops.Add(hop);
            }
        }
        return hops;
    }

    /// <summary>An address, optionally with a port (<c>203.0.113.7:4711</c>, <c>[2001:db8::1]:4711</c>).</summary>
    private static bool TryParseHop(string hop, out IPAddress address)
    {
        if (IPAddress.TryParse(hop, out var parsed) || (IPEndPoint.TryParse(hop, out var endPoint) && (parsed = endPoint.Address) is not null))
        {
            address = Normalise(parsed);
            return true;
        }
        address = IPAddress.None;
        return false;
    }
}
