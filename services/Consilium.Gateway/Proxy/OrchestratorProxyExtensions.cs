using System.Net;
using Microsoft.Extensions.Options;
using Yarp.ReverseProxy.Configuration;
using Yarp.ReverseProxy.Forwarder;
using Yarp.ReverseProxy.Health;
using Yarp.ReverseProxy.LoadBalancing;

namespace Consilium.Gateway.Proxy;

/// <summary>
/// What the gateway proxies to the orchestrator replicas of <c>ORCHESTRATOR_URLS</c>: <c>/api/**</c>, and the API
/// description <c>/openapi/**</c>, its reference page <c>/docs/**</c> and the MCP server <c>/mcp</c> (docs/clients.md).
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
        var services = builder.Services;
        services.AddOptions<OrchestratorUrls>().Configure<IConfiguration>(OrchestratorUrls.Read).ValidateOnStart();
        services.AddOptions<EdgeNetworks>().Configure<IConfiguration>(EdgeNetworks.Read).ValidateOnStart();
        services.AddSingleton(provider => provider.GetRequiredService<IOptions<EdgeNetworks>>().Value);
        services.AddReverseProxy().AddTransforms(EdgeHeaders.Apply);
        // What LoadFromMemory registers, with the cluster's destinations taken from the bound ORCHESTRATOR_URLS.
        services.AddSingleton(provider => new InMemoryConfigProvider(
            [ApiRoute(), .. ClientRoutes()],
            [OrchestratorCluster(provider.GetRequiredService<IOptions<OrchestratorUrls>>().Value.Urls)]));
        services.AddSingleton<IProxyConfigProvider>(provider => provider.GetRequiredService<InMemoryConfigProvider>());
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

    /// <summary>The orchestrator's other public paths; the orchestrator decides which need auth (<c>/mcp</c> does).</summary>
    private static IEnumerable<RouteConfig> ClientRoutes() =>
        new[] { ("openapi", "/openapi/{**rest}"), ("docs", "/docs/{**rest}"), ("mcp", "/mcp/{**rest}") }
            .Select(route => new RouteConfig { RouteId = route.Item1, ClusterId = ClusterId, Match = new RouteMatch { Path = route.Item2 } });

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
