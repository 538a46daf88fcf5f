using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using Consilium.Council;
using Consilium.Council.Tension;
using Consilium.Streaming;

namespace Consilium.Orchestrator.Conversations;

/// <summary>A conversation with the council: its roster (the agents of round 1) and every finished round, oldest first.</summary>
public sealed record Conversation(
    string ConversationId,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt,
    IReadOnlyList<string> Roster,
    IReadOnlyList<ConversationRound> Rounds)
{
    /// <summary>Each agent's latest stance in the conversation (from the latest round it answered with one).</summary>
    public IReadOnlyDictionary<string, Stance> LatestStances()
    {
        var latest = new Dictionary<string, Stance>(StringComparer.Ordinal);
        foreach (var answer in Rounds.SelectMany(round => round.Answers))
        {
            if (answer.Stance is { } stance)
            {
                latest[answer.Agent] = stance;
            }
        }
        return latest;
    }
}

/// <summary>
/// One finished round: what was asked of whom, each agent's full answer (with the prompt it was given and how long its
/// thread was), the tension map with its synthesis, and the round's usage and cost.
/// </summary>
public sealed record ConversationRound(
    int Round,
    string SessionId,
    string Mode,
    string? Question,
    IReadOnlyList<string> Agents,
    DateTimeOffset StartedAt,
    DateTimeOffset FinishedAt,
    string Outcome,
    IReadOnlyList<RoundAnswer> Answers,
    TensionMap? TensionMap,
    string? Synthesis,
    Usage Usage,
    decimal CostUsd,
    decimal CacheSavingsUsd);

/// <param name="Prompt">The message this agent was given this round (the question, or its rebuttal brief).</param>
/// <param name="ThreadTurns">Earlier turns sent as its thread (<c>history</c>).</param>
/// <param name="DroppedExchanges">Earlier exchanges left out of its thread by <c>AGENT_THREAD_MAX_TOKENS</c>.</param>
public sealed record RoundAnswer(
    string Agent,
    string Prompt,
    string Text,
    Stance? Stance,
    string? Model,
    Usage Usage,
    bool Succeeded,
    int ThreadTurns,
    int DroppedExchanges);

/// <summary>The conversation modes of <c>POST /api/consilium</c>.</summary>
public static class ConversationModes
{
    public const string Ask = "ask";
    public const string Rebuttal = "rebuttal";
}

/// <summary>The transcript of <c>GET /api/consilium/conversations/{conversationId}</c>: the conversation plus totals.</summary>
public sealed record Transcript(
    string ConversationId,
    DateTimeOffset CreatedAt,
    DateTimeOffset UpdatedAt,
    IReadOnlyList<string> Roster,
    IReadOnlyList<ConversationRound> Rounds,
    Usage Usage,
    decimal CostUsd,
    decimal CacheSavingsUsd)
{
    public static Transcript Of(Conversation conversation) => new(
        conversation.ConversationId,
        conversation.CreatedAt,
        conversation.UpdatedAt,
        conversation.Roster,
        conversation.Rounds,
        conversation.Rounds.Aggregate(Usage.Zero, (sum, round) => sum + round.Usage),
        conversation.Rounds.Sum(round => round.CostUsd),
        conversation.Rounds.Sum(round => round.CacheSavingsUsd));
}

/// <summary>Source-generated JSON of conversations (the stores) and transcripts (the API): camelCase, readable text.</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(Conversation))]
[JsonSerializable(typeof(Transcript))]
public sealed partial class ConversationJson : JsonSerializerContext
{
    public static ConversationJson Readable { get; } = new(new JsonSerializerOptions(JsonSerializerDefaults.Web)
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    });
}
