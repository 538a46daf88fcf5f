using Consilium.Anthropic;
using Consilium.Orchestrator.Council.Synthesis;
using Consilium.Orchestrator.Redis;
using Consilium.Orchestrator.Security;
using Consilium.Orchestrator.Sessions;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Consilium.Orchestrator.Council;

public static partial class CouncilExtensions
{
    /// <summary>
    /// The council: its options and pricing (read now, so a bad value stops the replica at start-up), the session
    /// store (Redis when <c>REDIS_URL</c> is set, else in process), the runner, the synthesis call's model client and
    /// the resume-token check the security layer asks.
    /// </summary>
    public static IHostApplicationBuilder AddCouncil(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        var configuration = builder.Configuration;

        var options = new CouncilOptions();
        CouncilOptions.Read(options, configuration);
        services.AddOptions<CouncilOptions>().Configure(o => CouncilOptions.Read(o, configuration));
        var pricing = PricingConfiguration.Read(configuration);
        services.AddSingleton(pricing);
        var upstream = AnthropicUpstream.FromConfiguration(configuration);
        services.AddSingleton(upstream);

        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<RedisConnection>();
        services.AddSingleton(new SessionStoreOptions());
        services.AddSingleton<ISessionStore>(provider => provider.GetRequiredService<RedisConnection>().IsConfigured
            ? ActivatorUtilities.CreateInstance<RedisSessionStore>(provider)
            : ActivatorUtilities.CreateInstance<MemorySessionStore>(provider));
        services.AddSingleton<IResumeTokenValidator, ResumeTokenValidator>();

        services.AddHttpClient<AnthropicClient>(client => client.Timeout = Timeout.InfiniteTimeSpan)
            .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler
            {
                ConnectTimeout = TimeSpan.FromSeconds(10),
                PooledConnectionLifetime = TimeSpan.FromMinutes(2),
                UseProxy = false,
                UseCookies = false,
            })
            .SetHandlerLifetime(Timeout.InfiniteTimeSpan);
        services.AddSingleton<SynthesisCall>();
        services.AddSingleton<CouncilRunner>();
        services.AddSingleton<CouncilSessions>();
        services.AddHostedService(provider => provider.GetRequiredService<CouncilSessions>());
        services.AddHostedService(provider => new PricingCheck(pricing, upstream, provider.GetRequiredService<ILogger<PricingTableLog>>()));
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
