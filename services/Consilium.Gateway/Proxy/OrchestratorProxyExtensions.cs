using System.Net;
using Yarp.ReverseProxy.Configuration;
using Yarp.ReverseProxy.Forwarder;
using Yarp.ReverseProxy.Health;
using Yarp.ReverseProxy.LoadBalancing;

namespace Consilium.Gateway.Proxy;

/// <summary>
/// The only thing the gateway proxies: <c>/api/**</c> to the orchestrator replicas of <c>ORCHESTRATOR_URLS</c>.
/// Agents and the model simulator are never reachable through it.
/// </summary>
public static class OrchestratorProxyExtensions
{
    public const string RouteId = "api";
    public const string ClusterId = "orchestrators";

    /// <summary>
    /// How long a stream may go without a byte before the proxy gives up on it; well above the 15 s heartbeat,
    /// so only a dead upstream is cut off.
    /// </summary>
    public static readonly TimeSpan ActivityTimeout = TimeSpan.FromSeconds(120);

    public static IHostApplicationBuilder AddOrchestratorProxy(this IHostApplicationBuilder builder)
    {
        var urls = OrchestratorUrls.Read(builder.Configuration);
        // Built now, so a malformed CLOUDFLARE_IP_RANGES stops the gateway at start-up with one line.
        builder.Services.AddSingleton(new CloudflareRanges(builder.Configuration));
        builder.Services.AddReverseProxy()
            .LoadFromMemory([ApiRoute()], [OrchestratorCluster(urls)])
            .AddTransforms(EdgeHeaders.Apply);
        builder.Services.AddHealthChecks().AddCheck<OrchestratorsHealthCheck>("orchestrators");
        return builder;
    }

    public static WebApplication MapOrchestratorProxy(this WebApplication app)
    {
        app.MapReverseProxy();
        return app;
    }

    private static RouteConfig ApiRoute() => new()
    {
        RouteId = RouteId,
        ClusterId = ClusterId,
        Match = new RouteMatch { Path = "/api/{**rest}" },
    };

    private static ClusterConfig OrchestratorCluster(IReadOnlyList<Uri> urls) => new()
    {
        ClusterId = ClusterId,
        LoadBalancingPolicy = LoadBalancingPolicies.PowerOfTwoChoices,
        Destinations = urls
            .Select((url, index) => (Name: $"orchestrator-{index + 1}", Destination: new DestinationConfig { Address = url.AbsoluteUri }))
            .ToDictionary(d => d.Name, d => d.Destination, StringComparer.Ordinal),
        HealthCheck = new HealthCheckConfig
        {
            Active = new ActiveHealthCheckConfig
            {
                Enabled = true,
                Interval = TimeSpan.FromSeconds(5),
                Timeout = TimeSpan.FromSeconds(3),
                Policy = HealthCheckConstants.ActivePolicy.ConsecutiveFailures,
                Path = ServiceDefaultsExtensions.HealthPath,
            },
        },
        HttpRequest = new ForwarderRequestConfig
        {
            ActivityTimeout = ActivityTimeout,
            // HTTP/1.1 inside the cluster: one connection per stream, nothing multiplexed behind a slow one.
            Version = HttpVersion.Version11,
            VersionPolicy = HttpVersionPolicy.RequestVersionOrLower,
            // Every chunk of an event stream goes to the client as soon as it arrives.
            AllowResponseBuffering = false,
        },
    };
}
