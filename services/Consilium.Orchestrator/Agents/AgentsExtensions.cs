using System.Net;
using Microsoft.Extensions.Http.Resilience;
using Microsoft.Extensions.Options;
using Consilium.ServiceDefaults.WarmUp;
using Polly;

namespace Consilium.Orchestrator.Agents;

public static class AgentsExtensions
{
    /// <summary>Where the agents are, the client that streams from them and the prober that watches their health.</summary>
    public static IHostApplicationBuilder AddAgents(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        // Validated at start-up, so a bad AGENT_URL_TEMPLATE, AGENT_URLS or INTERNAL_KEY stops the replica with one line.
        services.AddOptions<AgentEndpoints>().Configure<IConfiguration>(AgentEndpoints.Read).ValidateOnStart();
        services.AddSingleton(provider => provider.GetRequiredService<IOptions<AgentEndpoints>>().Value);

        services.AddHttpClient<AgentClient>(client => client.Timeout = Timeout.InfiniteTimeSpan)
            .ConfigurePrimaryHttpMessageHandler(CreateStreamingHandler)
            .SetHandlerLifetime(Timeout.InfiniteTimeSpan)
            .AddResilienceHandler("agent-connect", RetryConnectFailures);
        // The same handlers in front of canned agent streams, for the council warm-up (Council/CouncilWarmUp.cs): the
        // resilience pipeline and the factory's handlers are compiled before the first council, no agent is called.
        services.AddHttpClient(WarmUpClientName, client => client.Timeout = Timeout.InfiniteTimeSpan)
            .ConfigurePrimaryHttpMessageHandler(() => new CannedEventStreams(Council.CouncilWarmUp.AgentStream))
            .AddResilienceHandler("agent-connect", RetryConnectFailures);

        services.AddSingleton<AgentHealth>();
        services.AddOptions<AgentHealthOptions>();
        services.AddHttpClient(AgentHealthProber.ClientName, client => client.Timeout = Timeout.InfiniteTimeSpan)
            .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler
            {
                ConnectTimeout = TimeSpan.FromSeconds(2),
                PooledConnectionLifetime = TimeSpan.FromMinutes(2),
                UseProxy = false,
                UseCookies = false,
            });
        services.AddHostedService<AgentHealthProber>();
        services.AddHealthChecks().AddCheck<AgentsHealthCheck>("agents");
        return builder;
    }

    /// <summary>Many concurrent long-lived streams to a few internal hosts.</summary>
    private static SocketsHttpHandler CreateStreamingHandler() => new()
    {
        // Each open stream holds its own HTTP/1.1 connection; a cap would queue questions behind answers.
        MaxConnectionsPerServer = int.MaxValue,
        // Re-resolve agent addresses now and then (rolling deployments); open streams are never cut by this.
        PooledConnectionLifetime = TimeSpan.FromMinutes(2),
        PooledConnectionIdleTimeout = TimeSpan.FromSeconds(60),
        ConnectTimeout = TimeSpan.FromSeconds(5),
        // A stream left unread (a stop, a deadline) is closed at once, so the agent sees the abort and cancels its model
        // call: by default the handler drains an abandoned response for up to 2 s (ResponseDrainTimeout) to reuse the
        // connection, and a cancellation seen only by the next read (it fails before touching the connection) leaves
        // that drain as the only way the call ends (docs/api.md, "Stop a council").
        MaxResponseDrainSize = 0,
        AutomaticDecompression = DecompressionMethods.None,
        UseProxy = false,
        UseCookies = false,
    };

    /// <summary>The named client of the council warm-up.</summary>
    public const string WarmUpClientName = "agents-warm-up";

    private static void RetryConnectFailures(ResiliencePipelineBuilder<HttpResponseMessage> pipeline) => pipeline.AddRetry(new HttpRetryStrategyOptions
    {
        // Only a connection that was never made is retried: the agent has not seen the question, and no response
        // exists yet. Anything later (a status, a broken body) is the agent's answer to forward.
        ShouldHandle = static args => ValueTask.FromResult(IsConnectFailure(args.Outcome.Exception)),
        MaxRetryAttempts = 2,
        Delay = TimeSpan.FromMilliseconds(100),
        BackoffType = DelayBackoffType.Exponential,
        UseJitter = true,
    });

    private static bool IsConnectFailure(Exception? exception) =>
        exception is HttpRequestException { HttpRequestError: HttpRequestError.ConnectionError or HttpRequestError.NameResolutionError };
}
