using Consilium.Orchestrator.Redis;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Consilium.Orchestrator.Stop;

public static class StopExtensions
{
    /// <summary>The registry of this replica's running councils and its Redis stop channel (see <see cref="CouncilStops"/>).</summary>
    public static IHostApplicationBuilder AddCouncilStop(this IHostApplicationBuilder builder)
    {
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.TryAddSingleton<RedisConnection>();
        builder.Services.AddSingleton<CouncilStops>();
        builder.Services.AddHostedService(provider => provider.GetRequiredService<CouncilStops>());
        return builder;
    }
}
