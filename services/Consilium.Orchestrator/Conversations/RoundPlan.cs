using Consilium.Council;
using Consilium.Council.Conversations;
using Consilium.Council.Tension;

namespace Consilium.Orchestrator.Conversations;

/// <summary>
/// One round of a conversation as it starts: its number and mode, the seats asked, and for each seat the message it is
/// given with its own thread (earlier questions and its own earlier answers, trimmed to <c>AGENT_THREAD_MAX_TOKENS</c>).
/// </summary>
public sealed record RoundPlan(
    Conversation Conversation,
    string ClaimId,
    int Round,
    string Mode,
    string? Question,
    string CouncilQuestion,
    IReadOnlyList<AgentProfile> Seats,
    IReadOnlyDictionary<string, AgentBrief> Briefs)
{
    public string ConversationId => Conversation.ConversationId;

    /// <summary>
    /// Plans the next round. <paramref name="message"/> is the round's question (optional in a rebuttal round);
    /// <paramref name="seats"/> are the agents asked, already checked against the conversation's roster.
    /// </summary>
    public static RoundPlan Next(
        Conversation conversation, string claimId, string mode, string? message, IReadOnlyList<AgentProfile> seats, int threadMaxTokens)
    {
        var original = conversation.Rounds.Select(round => round.Question).FirstOrDefault(q => !string.IsNullOrEmpty(q)) ?? message ?? "";
        var latest = conversation.LatestStances();
        var axes = conversation.Rounds.LastOrDefault(round => round.TensionMap is not null)?.TensionMap?.Axes ?? [];
        var briefs = new Dictionary<string, AgentBrief>(StringComparer.Ordinal);
        foreach (var seat in seats)
        {
            var prompt = mode == ConversationModes.Rebuttal
                ? RebuttalBrief.Build(
                    original,
                    latest.TryGetValue(seat.Id, out var own) ? Position(own) : null,
                    [.. Roster.All.Where(other => other.Id != seat.Id && latest.ContainsKey(other.Id))
                        .Select(other => new RebuttalBrief.Other(other.Id, other.Name, Position(latest[other.Id])))],
                    axes,
                    message)
                : message!;
            var thread = AgentThread.Trim(ThreadOf(conversation, seat.Id), prompt, threadMaxTokens);
            briefs[seat.Id] = new AgentBrief(prompt, thread.Turns, thread.DroppedExchanges);
        }
        return new RoundPlan(
            conversation, claimId, conversation.Rounds.Count + 1, mode, message,
            mode == ConversationModes.Rebuttal ? original : message!, seats, briefs);
    }

    /// <summary>The agent's whole thread: for every earlier round it answered, the message it was given and its answer.</summary>
    public static IReadOnlyList<ThreadTurn> ThreadOf(Conversation conversation, string agentId) =>
        [.. conversation.Rounds
            .SelectMany(round => round.Answers)
            .Where(answer => answer.Agent == agentId && answer.Succeeded && answer.Text.Length > 0 && answer.Prompt.Length > 0)
            .SelectMany(answer => new[]
            {
                new ThreadTurn(ThreadTurn.User, Cut(answer.Prompt)),
                new ThreadTurn(ThreadTurn.Assistant, Cut(answer.Text)),
            })];

    public static StancePosition Position(Stance stance) => new(stance.Position, stance.Confidence, stance.Summary);

    private static string Cut(string text) => text.Length <= ThreadRules.MaxTurnLength ? text : text[..ThreadRules.MaxTurnLength];
}

/// <summary>What one seat is given in a round: its message and its own thread.</summary>
public sealed record AgentBrief(string Prompt, IReadOnlyList<ThreadTurn> History, int DroppedExchanges);
