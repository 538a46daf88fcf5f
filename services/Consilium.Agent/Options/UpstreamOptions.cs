namespace Consilium.Agent.Options;

/// <summary>Where the model is and how to ask it (CONTRACT §2; README "Configuration").</summary>
public sealed class UpstreamOptions
{
    public const string AnthropicUrl = "https://api.anthropic.com";
    public const string DefaultSimulatorUrl = "http://model-simulator:8080";
    public const string DefaultModels = "claude-sonnet-4-20250514,claude-haiku-4-5-20251001";

    /// <summary>Sent as <c>x-api-key</c> when no <c>ANTHROPIC_API_KEY</c> is set; the simulator accepts any key.</summary>
    public const string SimulatorApiKey = "simulator";

    /// <summary><c>ANTHROPIC_BASE_URL</c>; else the real API when a key is set; else <c>MODEL_SIMULATOR_URL</c>.</summary>
    public Uri BaseUrl { get; set; } = new(DefaultSimulatorUrl);

    public string ApiKey { get; set; } = SimulatorApiKey;

    /// <summary><c>{base}/v1/messages</c>, keeping any path prefix of the base URL.</summary>
    public Uri MessagesUrl => new(BaseUrl.AbsoluteUri.TrimEnd('/') + "/v1/messages");

    /// <summary><c>CONSILIUM_MODELS</c>: the fallback chain, first choice first.</summary>
    public IReadOnlyList<string> Models { get; set; } = [];

    /// <summary><c>AGENT_MAX_TOKENS</c>: the answer's length limit.</summary>
    public int MaxTokens { get; set; } = 1024;

    /// <summary>
    /// <c>AGENT_RETRY_AFTER_CAP</c>: a <c>retry-after</c> up to this long is waited out before the next model;
    /// a longer one is ignored and the next model is tried at once.
    /// </summary>
    public TimeSpan RetryAfterCap { get; set; } = TimeSpan.FromSeconds(2);

    public static void Read(UpstreamOptions options, IConfiguration configuration)
    {
        var apiKey = configuration["ANTHROPIC_API_KEY"]?.Trim();
        var hasKey = !string.IsNullOrEmpty(apiKey);
        options.ApiKey = hasKey ? apiKey! : SimulatorApiKey;
        options.BaseUrl = configuration.GetHttpUrl("ANTHROPIC_BASE_URL")
            ?? (hasKey ? new Uri(AnthropicUrl) : configuration.GetHttpUrl("MODEL_SIMULATOR_URL") ?? new Uri(DefaultSimulatorUrl));

        var models = string.IsNullOrWhiteSpace(configuration["CONSILIUM_MODELS"]) ? DefaultModels.Split(',') : configuration.GetList("CONSILIUM_MODELS");
        if (models.Count == 0)
        {
            throw new ConfigurationErrorException($"CONSILIUM_MODELS must name at least one model (comma-separated), e.g. '{DefaultModels}'.");
        }
        options.Models = [.. models.Distinct(StringComparer.Ordinal)];
        options.MaxTokens = configuration.GetInt("AGENT_MAX_TOKENS", options.MaxTokens, 1, 64_000);
        options.RetryAfterCap = configuration.GetDuration("AGENT_RETRY_AFTER_CAP", options.RetryAfterCap);
    }
}
