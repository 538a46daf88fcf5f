using Consilium.ServiceDefaults;
using Microsoft.Extensions.Configuration;

namespace Consilium.Anthropic;

/// <summary>
/// Where the model is and which models to ask, read from the contract's variables (docs/configuration.md) the same way in every
/// service: <c>ANTHROPIC_BASE_URL</c>; else the real API when <c>ANTHROPIC_API_KEY</c> is set; else
/// <c>MODEL_SIMULATOR_URL</c> (default <see cref="DefaultSimulatorUrl"/>). <c>CONSILIUM_MODELS</c> is the fallback chain.
/// </summary>
public sealed record AnthropicUpstream(Uri BaseUrl, string ApiKey, IReadOnlyList<string> Models)
{
    public const string AnthropicUrl = "https://api.anthropic.com";
    public const string DefaultSimulatorUrl = "http://model-simulator:8080";
    public const string DefaultModels = "claude-sonnet-4-20250514,claude-haiku-4-5-20251001";
    public const string AnthropicVersion = "2023-06-01";

    /// <summary>Sent as <c>x-api-key</c> when no <c>ANTHROPIC_API_KEY</c> is set; the simulator accepts any key.</summary>
    public const string SimulatorApiKey = "simulator";

    /// <summary><c>{base}/v1/messages</c>, keeping any path prefix of the base URL.</summary>
    public Uri MessagesUrl => new(BaseUrl.AbsoluteUri.TrimEnd('/') + "/v1/messages");

    /// <summary>Reads the variables; a malformed one throws <see cref="ConfigurationErrorException"/> naming it.</summary>
    public static AnthropicUpstream FromConfiguration(IConfiguration configuration)
    {
        var apiKey = configuration["ANTHROPIC_API_KEY"]?.Trim();
        var hasKey = !string.IsNullOrEmpty(apiKey);
        var baseUrl = configuration.GetHttpUrl("ANTHROPIC_BASE_URL")
            ?? (hasKey ? new Uri(AnthropicUrl) : configuration.GetHttpUrl("MODEL_SIMULATOR_URL") ?? new Uri(DefaultSimulatorUrl));
        var models = string.IsNullOrWhiteSpace(configuration["CONSILIUM_MODELS"])
            ? DefaultModels.Split(',')
            : configuration.GetList("CONSILIUM_MODELS");
        if (models.Count == 0)
        {
            throw new ConfigurationErrorException($"CONSILIUM_MODELS must name at least one model (comma-separated), e.g. '{DefaultModels}'.");
        }
        return new AnthropicUpstream(baseUrl, hasKey ? apiKey! : SimulatorApiKey, [.. models.Distinct(StringComparer.Ordinal)]);
    }
}
