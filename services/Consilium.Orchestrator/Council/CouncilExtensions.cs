using Consilium.Anthropic;
using Consilium.Orchestrator.Conversations;
using Consilium.Orchestrator.Council.Synthesis;
using Consilium.Orchestrator.Redis;
using Consilium.Orchestrator.Security;
using Consilium.Orchestrator.Sessions;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Consilium.Orchestrator.Council;

public static partial class CouncilExtensions
{
    /// <summary>
    /// The council: its options and pricing (bound and validated at start-up, so a bad value stops the replica with one
    /// line naming the variable), the session store (Redis when <c>REDIS_URL</c> is set, else in process), the runner,
    /// the synthesis call's model client and the resume-token check the security layer asks.
    /// </summary>
    public static IHostApplicationBuilder AddCouncil(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<CouncilOptions>().Configure<IConfiguration>(CouncilOptions.Read).ValidateOnStart();
        services.AddOptions<CouncilModelOptions>().Configure<IConfiguration>(CouncilModelOptions.Read).ValidateOnStart();
        services.AddSingleton(provider => provider.GetRequiredService<IOptions<CouncilModelOptions>>().Value.Pricing);
        services.AddSingleton(provider => provider.GetRequiredService<IOptions<CouncilModelOptions>>().Value.Upstream);

        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<RedisConnection>();
        services.AddSingleton(new SessionStoreOptions());
        services.TryAddSingleton<SessionMetrics>();
        services.AddExceptionHandler<SessionStoreUnavailableHandler>();
        services.AddSingleton<ISessionStore>(provider => provider.GetRequiredService<RedisConnection>().IsConfigured
            ? ActivatorUtilities.CreateInstance<RedisSessionStore>(provider)
            : ActivatorUtilities.CreateInstance<MemorySessionStore>(provider));
        services.AddSingleton<IResumeTokenValidator, ResumeTokenValidator>();

        services.AddHttpClient<AnthropicClient>(client => client.Timeout = Timeout.InfiniteTimeSpan)
            .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler
            {
                ConnectTimeout = TimeSpan.FromSeconds(10),
                PooledConnectionLifetime = TimeSpan.FromMinutes(2),
                // A stopped synthesis stream is closed at once, not drained for up to 2 s (as the agents' model calls).
                MaxResponseDrainSize = 0,
                UseProxy = false,
                UseCookies = false,
            })
            .SetHandlerLifetime(Timeout.InfiniteTimeSpan);
        services.AddSingleton<SynthesisCall>();
        builder.AddConversations();
        services.AddSingleton<CouncilRunner>();
        services.AddSingleton<CouncilSessions>();
        Idempotency.CouncilIdempotency.AddCouncilIdempotency(builder);
        services.AddHostedService(provider => provider.GetRequiredService<CouncilSessions>());
        services.AddHostedService<PricingCheck>();
        return builder;
    }

    /// <summary>Says at start-up which models of <c>CONSILIUM_MODELS</c> have no price (they are counted as costing nothing).</summary>
    private sealed class PricingCheck(Consilium.Council.Pricing.PricingTable pricing, AnthropicUpstream upstream, ILogger<PricingTableLog> logger) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken)
        {
            foreach (var model in upstream.Models.Where(model => !pricing.TryGet(model, out _)))
            {
                LogUnpriced(logger, model);
            }
            return Task.CompletedTask;
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }

    /// <summary>The log category of pricing messages.</summary>
    public sealed class PricingTableLog;

    [LoggerMessage(Level = LogLevel.Warning, Message = "Model {Model} in CONSILIUM_MODELS has no price (set CONSILIUM_PRICING): its tokens count as costing $0")]
    private static partial void LogUnpriced(ILogger logger, string model);
}
