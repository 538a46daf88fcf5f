using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Consilium.Council.Synthesis;

/// <summary>
/// The synthesis call (the council's "11th worker"): after every agent settled, the orchestrator shows the model the
/// stances and asks it to name the axes of disagreement and the crux of each. The system prompt carries the line
/// <c>Council seat: synthesis</c>; the user message is the question followed by
/// <c>&lt;stances&gt;[{"agent","name","position","confidence","summary","topics"}, ...]&lt;/stances&gt;</c> and asks
/// for ONLY <c>{"axes":[{"topic","for":[ids],"against":[ids],"crux"}],"synthesis":"..."}</c>.
/// The model simulator reads the stances with <see cref="TryReadStances"/> to answer it.
/// </summary>
public static class SynthesisPrompt
{
    public const string Seat = "synthesis";
    public const string SeatLine = "Council seat: " + Seat;
    public const string StancesOpenTag = "<stances>";
    public const string StancesCloseTag = "</stances>";

    /// <summary>At most this many tokens are asked for.</summary>
    public const int MaxTokens = 1500;

    public static string System { get; } = $$"""
        You are the moderator of a council of ten real-estate and proptech experts.
        {{SeatLine}}

        The experts have each answered the same question and stated a stance: a position from -2 (strongly against
        the proposal in the question) to 2 (strongly for), a confidence from 0 to 1, a one-sentence summary and, for
        some, positions on named topics. Your job is not to answer the question. Your job is to map the disagreement:
        name the two to five axes along which the experts actually split, say which experts are on each side of each
        axis, and state the crux of each axis — the one fact or assumption that, if settled, would move the most
        experts. Cite experts only by the ids given in the stances. An axis needs at least one expert on each side.
        Then write a synthesis of at most three sentences that a decision-maker can act on.

        Reply with ONLY a JSON object, no prose and no code fence, exactly in this shape:
        {"axes":[{"topic":"short name","for":["id"],"against":["id"],"crux":"one sentence"}],"synthesis":"..."}
        """;

    /// <summary>The user message for the stances given (in the council's order).</summary>
    public static string UserMessage(string question, IReadOnlyList<SynthesisStance> stances)
    {
        var builder = new StringBuilder(256 + question.Length + stances.Count * 256);
        builder.Append("<question>\n").Append(question).Append("\n</question>\n\n");
        builder.Append("The experts' stances:\n");
        // The serializer escapes '<' and '>', so no stance text can close the block early.
        builder.Append(StancesOpenTag).Append(JsonSerializer.Serialize(stances, CouncilJson.Default.IReadOnlyListSynthesisStance)).Append(StancesCloseTag).Append("\n\n");
        builder.Append("Reply with ONLY {\"axes\":[{\"topic\",\"for\":[ids],\"against\":[ids],\"crux\"}],\"synthesis\":\"...\"}.");
        return builder.ToString();
    }

    /// <summary>Reads the stances back out of a synthesis user message; <c>null</c> when there is no valid block.</summary>
    public static IReadOnlyList<SynthesisStance>? TryReadStances(string? userMessage)
    {
        if (string.IsNullOrEmpty(userMessage))
        {
            return null;
        }
        var open = userMessage.LastIndexOf(StancesOpenTag, StringComparison.Ordinal);
        if (open < 0)
        {
            return null;
        }
        var start = open + StancesOpenTag.Length;
        var close = userMessage.IndexOf(StancesCloseTag, start, StringComparison.Ordinal);
        if (close < 0)
        {
            return null;
        }
        try
        {
            var stances = JsonSerializer.Deserialize(userMessage.AsSpan(start, close - start), CouncilJson.Default.ListSynthesisStance);
            return stances is null || stances.Any(s => s is null || string.IsNullOrEmpty(s.Agent)) ? null : stances;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}

/// <summary>One agent's stance as the synthesis call sees it.</summary>
public sealed record SynthesisStance(
    [property: JsonPropertyName("agent")] string Agent,
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("position")] int Position,
    [property: JsonPropertyName("confidence")] double Confidence,
    [property: JsonPropertyName("summary")] string Summary,
    [property: JsonPropertyName("topics")] IReadOnlyDictionary<string, int>? Topics)
{
    public static SynthesisStance From(AgentProfile agent, Stance stance) =>
        new(agent.Id, agent.Name, stance.Position, stance.Confidence, stance.Summary, stance.Topics);
}
