using Consilium.Anthropic;
using Consilium.Council.Pricing;

namespace Consilium.Orchestrator.Council;

/// <summary>
/// The model the synthesis call asks and what tokens cost (docs/configuration.md): <c>ANTHROPIC_BASE_URL</c>,
/// <c>ANTHROPIC_API_KEY</c>, <c>MODEL_SIMULATOR_URL</c> and <c>CONSILIUM_MODELS</c>, read as every service reads them
/// (<see cref="AnthropicUpstream"/>), and the pricing table (<see cref="PricingConfiguration"/>).
/// </summary>
public sealed class CouncilModelOptions
{
    public AnthropicUpstream Upstream { get; set; } = null!;

    public PricingTable Pricing { get; set; } = null!;

    public static void Read(CouncilModelOptions options, IConfiguration configuration)
    {
        options.Upstream = AnthropicUpstream.FromConfiguration(configuration);
        options.Pricing = PricingConfiguration.Read(configuration);
    }
}
