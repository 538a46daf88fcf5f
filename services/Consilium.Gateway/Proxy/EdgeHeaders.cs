using Yarp.ReverseProxy.Transforms;
using Yarp.ReverseProxy.Transforms.Builder;

namespace Consilium.Gateway.Proxy;

/// <summary>
/// Header hygiene at the edge. Whatever a client claims about where a request came from is dropped, and the
/// gateway states it itself: <c>X-Forwarded-For</c> is the client, plus <c>X-Forwarded-Proto</c>/<c>-Host</c>. The
/// client is the TCP peer, unless the peer is in <c>TRUSTED_PROXIES</c> (an ingress in front of the gateway): then it
/// is the <c>X-Forwarded-For</c> entry that trusted hop appended (<see cref="ForwardedFor"/>, the rule the orchestrator
/// applies to the gateway), never an entry the client wrote.
/// Internal keys never pass in either direction (the client's <c>Authorization</c> bearer does: the orchestrator
/// checks it), and the upstream's server identity is not shown to the public.
/// <c>CF-Connecting-IP</c> is the one exception: with <c>CLOUDFLARE_IP_RANGES</c> set it passes through when that
/// client address is inside those ranges, so the orchestrator (which checks the same ranges against the hop the gateway names in
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
        var networks = context.Services.GetRequiredService<EdgeNetworks>();
        context.UseDefaultForwarders = false;
        context.AddRequestTransform(transform => ForwardClient(transform, networks));
        context.AddXForwardedProto(action: ForwardedTransformActions.Set);
        context.AddXForwardedHost(action: ForwardedTransformActions.Set);
        foreach (var header in Internal)
        {
            context.AddResponseHeaderRemove(header, ResponseCondition.Always);
        }
    }

    /// <summary>The client address as the gateway believes it; the original request's headers are never modified.</summary>
    public static System.Net.IPAddress Client(HttpContext context, EdgeNetworks networks) =>
        ForwardedFor.ResolveClient(context.Connection.RemoteIpAddress, context.Request.Headers[ForwardedFor.Header], networks.TrustedProxies);

    private static ValueTask ForwardClient(RequestTransformContext context, EdgeNetworks networks)
    {
        var client = Client(context.HttpContext, networks);
        var hopIsCloudflare = networks.Cloudflare.ContainsAddress(client);
        foreach (var name in context.HttpContext.Request.Headers.Keys)
        {
            if (hopIsCloudflare && name.Equals(CloudflareClientHeader, StringComparison.OrdinalIgnoreCase))
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
        context.ProxyRequest.Headers.TryAddWithoutValidation(ForwardedFor.Header, client.ToString());
        return ValueTask.CompletedTask;
    }
}
