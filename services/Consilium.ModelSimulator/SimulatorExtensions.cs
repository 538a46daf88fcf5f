using Consilium.ModelSimulator.Caching;
using Consilium.ModelSimulator.Messages;
using Consilium.ModelSimulator.Observability;
using Consilium.ModelSimulator.Options;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Consilium.ModelSimulator;

public static class SimulatorExtensions
{
    /// <summary>Registers the simulator; its <c>SIM_*</c> settings are read and checked at start-up.</summary>
    public static IHostApplicationBuilder AddModelSimulator(this IHostApplicationBuilder builder)
    {
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.AddSingleton<IConfigureOptions<SimulatorOptions>, SimulatorOptionsSetup>();
        builder.Services.AddOptions<SimulatorOptions>().ValidateOnStart();
        builder.Services.AddSingleton<PromptCache>();
        builder.Services.AddSingleton<RequestLog>();
        builder.Services.AddSingleton<MessageStreamer>();
        builder.Services.AddSingleton<MessageHandler>();
        return builder;
    }
}
