using Consilium.ModelSimulator.Caching;
using Consilium.ModelSimulator.Messages;
using Consilium.ModelSimulator.Observability;
using Consilium.ModelSimulator.Options;
using Consilium.ModelSimulator.Startup;
using Consilium.ServiceDefaults.WarmUp;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Consilium.ModelSimulator;

public static class SimulatorExtensions
{
    /// <summary>Registers the simulator; its <c>SIM_*</c> settings are read and checked at start-up.</summary>
    public static IHostApplicationBuilder AddModelSimulator(this IHostApplicationBuilder builder)
    {
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.AddOptions<SimulatorOptions>().Configure<IConfiguration>(SimulatorOptions.Read).ValidateOnStart();
        builder.Services.AddSingleton<PromptCache>();
        builder.Services.AddSingleton<RequestLog>();
        builder.Services.AddSingleton<MessageStreamer>();
        builder.Services.AddSingleton<MessageHandler>();
        // The first request after ready costs what any other does: /health waits for the warm-up (docs/benchmarks.md).
        builder.Services.AddStartupWarmUp<SimulatorWarmUp>();
        builder.Services.ConfigureHttpJsonOptions(json => json.SerializerOptions.TypeInfoResolverChain.Insert(0, Api.SimApiJson.Default));
        return builder;
    }
}
