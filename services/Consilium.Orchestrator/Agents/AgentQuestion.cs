using System.Text.Json.Serialization.Metadata;
using Consilium.Contracts;
using Consilium.Council.Questions;
using Consilium.Orchestrator.Http;

namespace Consilium.Orchestrator.Agents;

/// <summary>The body of <c>POST /api/agent/{agentId}</c>.</summary>
public sealed record AgentQuestion(string? Message) : IRequestBody<AgentQuestion>
{
    public static IJsonTypeInfoResolver JsonMetadata => PublicBodyJson.Default;

    public static string Shape => $"{{\"message\": \"<your question, {MessageRules.Limit}>\"}}";

    public string? Validate() => MessageRules.Validate(Message);
}
