using System.Text.Json.Serialization.Metadata;
using Consilium.Contracts;
using Consilium.Council;
using Consilium.Council.Questions;
using Consilium.Orchestrator.Conversations;
using Consilium.Orchestrator.Http;

namespace Consilium.Orchestrator.Council;

/// <summary>
/// The body of <c>POST /api/consilium</c>: <c>{"message", "agents"?, "synthesis"?, "conversationId"?, "mode"?}</c>
/// (docs/api.md#public-api, docs/api.md#conversations). <c>message</c> is optional only in a rebuttal round, which continues a conversation.
/// </summary>
public sealed record CouncilRequest(
    string? Message,
    IReadOnlyList<string?>? Agents,
    bool? Synthesis,
    string? ConversationId = null,
    string? Mode = null) : IRequestBody<CouncilRequest>
{
    public static IJsonTypeInfoResolver JsonMetadata => PublicBodyJson.Default;

    public static string Shape =>
        $"{{\"message\": \"<your question, {MessageRules.Limit}>\", \"agents\"?: [\"<agent id>\", ...], \"synthesis\"?: true, \"conversationId\"?: \"<id from the session event>\", \"mode\"?: \"ask\" | \"rebuttal\"}}";

    public string? Validate()
    {
        if (Mode is not (null or ConversationModes.Ask or ConversationModes.Rebuttal))
        {
            return $"'mode' is '{Mode}'; use \"{ConversationModes.Ask}\" (the default) or \"{ConversationModes.Rebuttal}\".";
        }
        if (Mode == ConversationModes.Rebuttal && ConversationId is null)
        {
            return "A rebuttal round continues a conversation: send 'conversationId' (from the 'session' event of an earlier round).";
        }
        if (ConversationId is { Length: 0 })
        {
            return "'conversationId' is empty. Leave it out to start a new conversation.";
        }
        if ((Mode != ConversationModes.Rebuttal || Message is not null) && MessageRules.Validate(Message) is { } problem)
        {
            return problem;
        }
        if (Agents is null)
        {
            return null;
        }
        if (Agents.Count == 0)
        {
            return $"'agents' is empty. Leave it out to ask all ten, or list some of: {string.Join(", ", Roster.Ids)}.";
        }
        var unknown = Agents.Where(id => !Roster.TryGet(id, out _)).Select(id => id ?? "null").ToArray();
        return unknown.Length > 0
            ? $"'agents' names unknown agent{(unknown.Length > 1 ? "s" : "")} {string.Join(", ", unknown.Select(id => $"'{id}'"))}. Agents: {string.Join(", ", Roster.Ids)} (GET /api/agents lists them)."
            : null;
    }

    /// <summary>The seats asked, in roster order, each once.</summary>
    public IReadOnlyList<AgentProfile> Seats() =>
        Agents is null ? Roster.All : [.. Roster.All.Where(agent => Agents.Contains(agent.Id))];
}
