namespace Consilium.Orchestrator.Conversations;

/// <summary>How long conversations live and how far they go; read from flat variables at start-up.</summary>
public sealed class ConversationOptions
{
    /// <summary><c>CONVERSATION_RETENTION</c>: how long a conversation is kept after its latest round (refreshed each round).</summary>
    public TimeSpan Retention { get; set; } = TimeSpan.FromDays(7);

    /// <summary><c>CONVERSATION_MAX_ROUNDS</c>: the most rounds one conversation may have.</summary>
    public int MaxRounds { get; set; } = 10;

    /// <summary>
    /// <c>AGENT_THREAD_MAX_TOKENS</c>: the longest thread (earlier turns plus this round's message, about four characters a
    /// token) an agent is sent; longer threads drop their oldest middle exchanges.
    /// </summary>
    public int AgentThreadMaxTokens { get; set; } = 24_000;

    /// <summary>The longest retention a conversation may have: thirty days.</summary>
    public static readonly TimeSpan MaxRetention = TimeSpan.FromDays(30);

    public static void Read(ConversationOptions options, IConfiguration configuration)
    {
        options.Retention = ReadRetention(configuration["CONVERSATION_RETENTION"], options.Retention);
        options.MaxRounds = configuration.GetInt("CONVERSATION_MAX_ROUNDS", options.MaxRounds, 1, 100);
        options.AgentThreadMaxTokens = configuration.GetInt("AGENT_THREAD_MAX_TOKENS", options.AgentThreadMaxTokens, 500, 80_000);
    }

    /// <summary>Seconds (<c>604800</c>) or a <see cref="TimeSpan"/> (<c>7.00:00:00</c>); longer than the council's one-day limit on durations.</summary>
    private static TimeSpan ReadRetention(string? raw, TimeSpan fallback)
    {
        if (string.IsNullOrWhiteSpace(raw))
        {
            return fallback;
        }
        var text = raw.Trim();
        var culture = System.Globalization.CultureInfo.InvariantCulture;
        TimeSpan value;
        if (double.TryParse(text, System.Globalization.NumberStyles.Float, culture, out var seconds) && double.IsFinite(seconds))
        {
            value = seconds > 0 && seconds <= MaxRetention.TotalSeconds ? TimeSpan.FromSeconds(seconds) : TimeSpan.Zero;
        }
        else if (!TimeSpan.TryParse(text, culture, out value))
        {
            value = TimeSpan.Zero;
        }
        return value > TimeSpan.Zero && value <= MaxRetention
            ? value
            : throw new ConfigurationErrorException($"CONVERSATION_RETENTION must be a duration in seconds (604800) or as d.hh:mm:ss (7.00:00:00), longer than zero and at most 30 days, not '{raw}'.");
    }
}
