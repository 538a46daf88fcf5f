using Yarp.ReverseProxy.Transforms;
using Yarp.ReverseProxy.Transforms.Builder;

namespace Consilium.Gateway.Proxy;

/// <summary>
/// Header hygiene at the edge. Whatever a client claims about where a request came from is dropped, and the
/// gateway states it itself: <c>X-Forwarded-For</c> is the TCP peer, plus <c>X-Forwarded-Proto</c>/<c>-Host</c>.
/// Internal keys never pass in either direction (the client's <c>Authorization</c> bearer does: the orchestrator
/// checks it), and the upstream's server identity is not shown to the public.
/// <c>CF-Connecting-IP</c> is the one exception: with <c>CLOUDFLARE_IP_RANGES</c> set it passes through when the TCP
/// peer is inside those ranges, so the orchestrator (which checks the same ranges against the hop the gateway names in
/// <c>X-Forwarded-For</c>) can key the rate limit on the real client behind Cloudflare.
/// </summary>
public static class EdgeHeaders
{
    /// <summary>Client-sent headers that only a trusted hop may set, besides every <c>X-Forwarded-*</c>.</summary>
    public static readonly IReadOnlyList<string> Untrusted =
    [
        "Forwarded", "X-Real-IP", "X-Client-IP", "True-Client-IP", "CF-Connecting-IP", "CF-IPCountry", "Fastly-Client-IP",
        "X-Cluster-Client-IP", "X-Original-For", "X-Internal-Key",
    ];

    /// <summary>Upstream response headers that describe the internals.</summary>
    public static readonly IReadOnlyList<string> Internal = ["Server", "X-Powered-By", "X-AspNet-Version", "X-Internal-Key"];

    public const string CloudflareClientHeader = "CF-Connecting-IP";

    public static void Apply(TransformBuilderContext context)
    {
        var cloudflare = context.Services.GetRequiredService<CloudflareRanges>();
        context.UseDefaultForwarders = false;
        context.AddRequestTransform(transform => RemoveUntrusted(transform, cloudflare));
        context.AddXForwardedFor(action: ForwardedTransformActions.Set);
        context.AddXForwardedProto(action: ForwardedTransformActions.Set);
        context.AddXForwardedHost(action: ForwardedTransformActions.Set);
        foreach (var header in Internal)
        {
            context.AddResponseHeaderRemove(header, ResponseCondition.Always);
        }
    }

    private static ValueTask RemoveUntrusted(RequestTransformContext context, CloudflareRanges cloudflare)
    {
        var peerIsCloudflare = context.HttpContext.Connection.RemoteIpAddress is { } peer && cloudflare.Networks.ContainsAddress(peer);
        foreach (var name in context.HttpContext.Request.Headers.Keys)
        {
            if (peerIsCloudflare && name.Equals(CloudflareClientHeader, StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }
            if (name.StartsWith("X-Forwarded-", StringComparison.OrdinalIgnoreCase)
                || name.StartsWith("X-Internal-", StringComparison.OrdinalIgnoreCase)
                || Untrusted.Contains(name, StringComparer.OrdinalIgnoreCase))
            {
                RequestTransform.RemoveHeader(context, name);
            }
        }
        return ValueTask.CompletedTask;
    }
}

/// <summary><c>CLOUDFLARE_IP_RANGES</c>: the networks Cloudflare connects from; empty unless configured.</summary>
public sealed class CloudflareRanges(IConfiguration configuration)
{
    public IReadOnlyList<System.Net.IPNetwork> Networks { get; } =
        NetworkList.Parse("CLOUDFLARE_IP_RANGES", configuration["CLOUDFLARE_IP_RANGES"] ?? "");
}
