using Consilium.Council;
using Consilium.Orchestrator.Conversations;

namespace Consilium.Orchestrator.Council;

/// <summary>
/// One council: the question, the seats asked (in roster order), the session's credentials and, for a round of a
/// conversation, its plan (each seat's message and thread).
/// </summary>
public sealed record CouncilSession(
    string SessionId,
    string ResumeToken,
    string Question,
    IReadOnlyList<AgentProfile> Agents,
    bool Synthesis,
    RoundPlan? Conversation = null)
{
    /// <summary>The message this seat is given: its round's brief, else the question.</summary>
    public string MessageFor(string agentId) =>
        Conversation?.Briefs.TryGetValue(agentId, out var brief) == true ? brief.Prompt : Question;

    /// <summary>This seat's thread of earlier turns (empty outside a follow-up round).</summary>
    public IReadOnlyList<Consilium.Council.Conversations.ThreadTurn> HistoryFor(string agentId) =>
        Conversation?.Briefs.TryGetValue(agentId, out var brief) == true ? brief.History : [];
}
