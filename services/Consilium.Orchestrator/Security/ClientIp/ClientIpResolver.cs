using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Primitives;

namespace Consilium.Orchestrator.Security;

/// <summary>
/// Who the client is, for rate limiting (docs/api.md#public-api): the TCP peer, unless the peer is a trusted proxy
/// (<c>TRUSTED_PROXIES</c>, the gateway), in which case <c>X-Forwarded-For</c> is read from the right, skipping the
/// trusted hops, and the first address a trusted hop vouches for is the client (<see cref="ForwardedFor"/>, shared with
/// the gateway). When <c>CLOUDFLARE_IP_RANGES</c> is set and that address is a Cloudflare edge, <c>CF-Connecting-IP</c> names the client instead. Headers sent by anyone
/// else (<c>X-Forwarded-For</c>, <c>Forwarded</c>, <c>CF-Connecting-IP</c>, <c>X-Real-IP</c>) change nothing.
/// </summary>
/// <remarks>
/// Not ASP.NET's <c>ForwardedHeadersMiddleware</c>: it rewrites the connection's address for the whole app and has
/// no notion of "believe this header only from that hop", which the Cloudflare mode needs.
/// </remarks>
public sealed class ClientIpResolver(PublicSecurityOptions options)
{
    public const string ForwardedForHeader = ForwardedFor.Header;
    public const string CloudflareHeader = "CF-Connecting-IP";

    public IPAddress Resolve(HttpContext context) =>
        Resolve(
            context.Connection.RemoteIpAddress,
            context.Request.Headers[ForwardedForHeader],
            context.Request.Headers[CloudflareHeader]);

    public IPAddress Resolve(IPAddress? peer, StringValues forwardedFor, StringValues cloudflareClient)
    {
        var client = ForwardedFor.ResolveClient(peer, forwardedFor, options.TrustedProxies);
        if (peer is null || !options.TrustedProxies.ContainsAddress(peer))
        {
            return client; // the TCP peer itself: nothing it sends is believed, CF-Connecting-IP included
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
}
