using Consilium.Anthropic;

namespace Consilium.Agent.Options;

/// <summary>
/// How the agent asks the model (docs/configuration.md; docs/configuration.md): where the model is and which models to try,
/// read as every service reads them (<see cref="AnthropicUpstream"/>), and the agent's own limits.
/// </summary>
public sealed class UpstreamOptions
{
    /// <summary><c>ANTHROPIC_BASE_URL</c>, <c>ANTHROPIC_API_KEY</c>, <c>MODEL_SIMULATOR_URL</c> and the <c>CONSILIUM_MODELS</c> chain.</summary>
    public AnthropicUpstream Upstream { get; set; } = null!;

    /// <summary><c>AGENT_MAX_TOKENS</c>: the answer's length limit.</summary>
    public int MaxTokens { get; set; } = 1024;

    /// <summary>
    /// <c>AGENT_RETRY_AFTER_CAP</c>: a <c>retry-after</c> up to this long is waited out before the next model;
    /// a longer one is ignored and the next model is tried at once.
    /// </summary>
    public TimeSpan RetryAfterCap { get; set; } = TimeSpan.FromSeconds(2);

    public static void Read(UpstreamOptions options, IConfiguration configuration)
    {
        options.Upstream = AnthropicUpstream.FromConfiguration(configuration);
        options.MaxTokens = configuration.GetInt("AGENT_MAX_TOKENS", options.MaxTokens, 1, 64_000);
        options.RetryAfterCap = configuration.GetDuration("AGENT_RETRY_AFTER_CAP", options.RetryAfterCap);
    }
}
