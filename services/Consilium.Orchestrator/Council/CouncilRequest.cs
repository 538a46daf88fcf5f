using Consilium.Council;
using Consilium.Orchestrator.Http;

namespace Consilium.Orchestrator.Council;

/// <summary>The body of <c>POST /api/consilium</c>: <c>{"message", "agents"?, "synthesis"?}</c> (CONTRACT §3).</summary>
public sealed record CouncilRequest(string? Message, IReadOnlyList<string?>? Agents, bool? Synthesis) : IRequestBody<CouncilRequest>
{
    public static string Shape =>
        $"{{\"message\": \"<your question, 1 to {MessageRules.MaxLength} characters>\", \"agents\"?: [\"<agent id>\", ...], \"synthesis\"?: true}}";

    public string? Validate()
    {
        if (MessageRules.Validate(Message) is { } problem)
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
