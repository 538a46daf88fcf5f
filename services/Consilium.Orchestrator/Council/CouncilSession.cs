using Consilium.Council;

namespace Consilium.Orchestrator.Council;

/// <summary>One council: the question, the seats asked (in roster order) and the session's credentials.</summary>
public sealed record CouncilSession(
    string SessionId,
    string ResumeToken,
    string Question,
    IReadOnlyList<AgentProfile> Agents,
    bool Synthesis);
