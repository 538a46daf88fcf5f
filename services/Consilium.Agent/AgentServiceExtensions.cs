using Consilium.Agent.Options;
using Consilium.Agent.Personas;
using Consilium.Agent.Security;
using Consilium.Agent.Startup;
using Consilium.Agent.Telemetry;
using Consilium.Agent.Upstream;
using Consilium.Anthropic;
using Consilium.ServiceDefaults.WarmUp;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Consilium.Agent;

public static class AgentServiceExtensions
{
    /// <summary>How long to wait for a TCP connection to the model before that model counts as unreachable.</summary>
    private static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(10);

    /// <summary>
    /// The agent's configuration (validated at start-up: a bad value stops the service with one line naming the
    /// variable), its persona and health check, the internal key, and the upstream model client.
    /// </summary>
    public static IHostApplicationBuilder AddAgent(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<AgentOptions>().Configure<IConfiguration>(AgentOptions.Read).ValidateOnStart();
        services.AddOptions<UpstreamOptions>().Configure<IConfiguration>(UpstreamOptions.Read).ValidateOnStart();
        services.AddOptions<TimeoutOptions>().Configure<IConfiguration>(TimeoutOptions.Read).ValidateOnStart();

        services.TryAddSingleton(TimeProvider.System);
        services.AddProblemDetails();
        services.AddSingleton<AgentPersona>();
        services.AddSingleton<InternalKey>();
        services.AddSingleton<AgentMetrics>();
        services.AddSingleton<ChatTelemetry>();
        services.AddSingleton<AnthropicRequestBuilder>();
        services.AddTransient<ModelFallbackChain>();
        services.AddOptions<ModelCircuitOptions>().Configure<IConfiguration>(ModelCircuitOptions.Read).ValidateOnStart();
        services.AddSingleton<ModelCircuits>();
        services.AddHealthChecks().AddCheck<PersonaHealthCheck>("persona");
        // The first question after ready costs what any other does: /health waits for the warm-up (docs/benchmarks.md).
        services.AddStartupWarmUp<PathWarmUp>();

        services.AddSingleton(provider => provider.GetRequiredService<IOptions<UpstreamOptions>>().Value.Upstream);
        // Streams last minutes: the agent's own deadlines (StreamDeadlines) bound each call, not HttpClient.Timeout.
        // No resilience pipeline either: every retry must be a visible `retry` event, which ModelFallbackChain writes.
        // A model stream left unread (the caller went away, a stop) is closed at once instead of drained: by default
        // the handler keeps reading an abandoned response for up to 2 s (ResponseDrainTimeout) to reuse the connection,
        // and the model goes on generating — and billing — until then. A cancellation that lands just as the response
        // headers arrive is seen only by the next read, which fails before it touches the connection, so only the
        // dispose that follows can end the call (docs/api.md, "Stop a council").
        services.AddHttpClient<AnthropicClient>(http => http.Timeout = Timeout.InfiniteTimeSpan)
            .UseSocketsHttpHandler((handler, _) =>
            {
                handler.ConnectTimeout = ConnectTimeout;
                handler.MaxResponseDrainSize = 0;
            });
        return builder;
    }
}
