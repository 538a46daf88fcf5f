using Consilium.Orchestrator.Http;

namespace Consilium.Orchestrator.Agents;

/// <summary>The body of <c>POST /api/agent/{agentId}</c>.</summary>
public sealed record AgentQuestion(string? Message) : IRequestBody<AgentQuestion>
{
    public static string Shape => $"{{\"message\": \"<your question, 1 to {MessageRules.MaxLength} characters>\"}}";

    public string? Validate() => MessageRules.Validate(Message);
}
