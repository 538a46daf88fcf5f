using System.Text.Json.Serialization;

namespace Consilium.Council.Conversations;

/// <summary>One earlier turn of an agent's thread: the question it was asked (<c>user</c>) or its own answer (<c>assistant</c>).</summary>
public sealed record ThreadTurn(
    [property: JsonPropertyName("role")] string Role,
    [property: JsonPropertyName("content")] string Content)
{
    public const string User = "user";
    public const string Assistant = "assistant";

    /// <summary>A rough token count (four characters a token), the measure <c>AGENT_THREAD_MAX_TOKENS</c> is applied in.</summary>
    public int EstimatedTokens => (Content.Length + 3) / 4;
}

/// <summary>
/// The rules every thread (<c>history</c> of <c>/v1/ask</c>) follows: at most <see cref="MaxTurns"/> turns, roles
/// alternating <c>user</c>/<c>assistant</c>, starting with <c>user</c> and ending with <c>assistant</c> (the question of
/// this round follows it), every turn 1..<see cref="MaxTurnLength"/> characters.
/// </summary>
public static class ThreadRules
{
    /// <summary>Ten rounds of question and answer, the most a conversation has by default (<c>CONVERSATION_MAX_ROUNDS</c>).</summary>
    public const int MaxTurns = 40;

    /// <summary>The longest turn: a question or a rebuttal brief (16 000), or an answer.</summary>
    public const int MaxTurnLength = 16_000;

    /// <summary>Returns what is wrong with the thread, or <c>null</c> when it is acceptable (an absent or empty thread is).</summary>
    public static string? Validate(IReadOnlyList<ThreadTurn?>? history)
    {
        if (history is null || history.Count == 0)
        {
            return null;
        }
        if (history.Count > MaxTurns)
        {
            return $"\"history\" has {history.Count} turns; the limit is {MaxTurns}.";
        }
        if (history.Count % 2 != 0)
        {
            return "\"history\" must end with an \"assistant\" turn (pairs of a question and its answer).";
        }
        for (var i = 0; i < history.Count; i++)
        {
            var expected = i % 2 == 0 ? ThreadTurn.User : ThreadTurn.Assistant;
            if (history[i] is not { } turn)
            {
                return $"\"history[{i}]\" is null; every turn is {{\"role\": \"{expected}\", \"content\": string}}.";
            }
            if (turn.Role != expected)
            {
                return $"\"history[{i}].role\" is '{turn.Role}' but must be '{expected}': roles alternate user, assistant, starting with user.";
            }
            if (string.IsNullOrEmpty(turn.Content) || turn.Content.Length > MaxTurnLength)
            {
                return $"\"history[{i}].content\" must be 1 to {MaxTurnLength} characters long (it has {turn.Content?.Length ?? 0}).";
            }
        }
        return null;
    }
}
