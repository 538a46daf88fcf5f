namespace Consilium.Agent.Options;

/// <summary>How long an answer may take (docs/api.md#agent-service-internal). Each expiry ends the stream with <c>error</c> code <c>timeout</c>.</summary>
public sealed class TimeoutOptions
{
    /// <summary><c>AGENT_FIRST_TOKEN_TIMEOUT</c>: from the request to the first text, across every model tried.</summary>
    public TimeSpan FirstToken { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary><c>AGENT_IDLE_TIMEOUT</c>: the longest silence of a model stream once it has started.</summary>
    public TimeSpan Idle { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary><c>AGENT_TOTAL_TIMEOUT</c>: the whole answer, fallbacks included.</summary>
    public TimeSpan Total { get; set; } = TimeSpan.FromSeconds(180);

    public static void Read(TimeoutOptions options, IConfiguration configuration)
    {
        options.FirstToken = configuration.GetDuration("AGENT_FIRST_TOKEN_TIMEOUT", options.FirstToken);
        options.Idle = configuration.GetDuration("AGENT_IDLE_TIMEOUT", options.Idle);
        options.Total = configuration.GetDuration("AGENT_TOTAL_TIMEOUT", options.Total);
    }
}
