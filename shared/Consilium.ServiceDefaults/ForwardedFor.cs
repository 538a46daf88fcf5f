using System.Net;
using Microsoft.Extensions.Primitives;

namespace Consilium.ServiceDefaults;

/// <summary>
/// Who sent a request that came through proxies, as the gateway and the orchestrator both decide it: the TCP peer,
/// unless the peer is a trusted hop (<c>TRUSTED_PROXIES</c>), in which case <c>X-Forwarded-For</c> is read from the
/// right, skipping trusted hops, and the first entry no trusted hop is known as is the client. That is the entry the
/// last trusted hop appended; entries further left were written by whoever sent the request and are never believed.
/// </summary>
/// <remarks>
/// Not ASP.NET's <c>ForwardedHeadersMiddleware</c>: it rewrites the connection's address for the whole app, and the
/// gateway needs the TCP peer as well (for the Cloudflare rule) while the orchestrator layers the Cloudflare rule on top.
/// </remarks>
public static class ForwardedFor
{
    public const string Header = "X-Forwarded-For";

    /// <summary>At most this many <c>X-Forwarded-For</c> hops are examined.</summary>
    public const int MaxHops = 16;

    /// <summary>The client address; <see cref="IPAddress.IPv6None"/> when there is no peer (a test server).</summary>
    public static IPAddress ResolveClient(IPAddress? peer, StringValues forwardedFor, IReadOnlyList<IPNetwork> trustedProxies)
    {
        var client = peer is null ? IPAddress.IPv6None : NetworkList.Normalise(peer);
        if (!trustedProxies.ContainsAddress(client))
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
            if (!trustedProxies.ContainsAddress(hop))
            {
                break;
            }
        }
        return client;
    }

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
            address = NetworkList.Normalise(parsed);
            return true;
        }
        address = IPAddress.None;
        return false;
    }
}
