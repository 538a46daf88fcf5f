using System.Text.Json.Serialization;

namespace Consilium.Client;

/// <summary>Token usage, with Anthropic's field names on the wire.</summary>
public sealed record Usage(
    [property: JsonPropertyName("input_tokens")] long InputTokens,
    [property: JsonPropertyName("output_tokens")] long OutputTokens,
    [property: JsonPropertyName("cache_creation_input_tokens")] long CacheCreationInputTokens,
    [property: JsonPropertyName("cache_read_input_tokens")] long CacheReadInputTokens)
{
    public static readonly Usage Zero = new(0, 0, 0, 0);

    /// <summary>Input, output and cache tokens together.</summary>
    [JsonIgnore]
    public long TotalTokens => InputTokens + OutputTokens + CacheCreationInputTokens + CacheReadInputTokens;
}

/// <summary>An agent seated in a council (<c>session</c> event).</summary>
public sealed record AgentSeat(string Id, string Name, string Domain);

/// <summary>One agent of <c>GET /api/agents</c>.</summary>
public sealed record AgentInfo(string Id, string Name, string Domain, string Summary, bool Healthy);

/// <summary>The body of <c>GET /api/agents</c>.</summary>
public sealed record AgentList(IReadOnlyList<AgentInfo> Agents);

/// <summary>An agent's machine-readable stance: position -2..2 on the question's proposal, confidence 0..1.</summary>
public sealed record Stance(int Position, double Confidence, string Summary, IReadOnlyDictionary<string, int>? Topics);

/// <summary>One agent's stance as the tension map shows it.</summary>
public sealed record StancePosition(int Position, double Confidence, string Summary);

/// <summary>An axis of disagreement: who is for, who against, and the crux.</summary>
public sealed record TensionAxis(string Topic, IReadOnlyList<string> For, IReadOnlyList<string> Against, string Crux);

/// <summary>What to ask the council (<c>POST /api/consilium</c>).</summary>
/// <param name="Message">The question, 1 to 8,000 characters.</param>
/// <param name="Agents">The agents to ask (ids); null asks all ten.</param>
/// <param name="Synthesis">Whether to run the synthesis call (default true).</param>
public sealed record CouncilQuestion(
    string Message,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyList<string>? Agents = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] bool? Synthesis = null)
{
    /// <summary>The conversation to continue (<see cref="SessionEvent.ConversationId"/> of an earlier round); null starts a new one.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? ConversationId { get; init; }

    /// <summary><c>ask</c> (the default) or <c>rebuttal</c> (docs/api.md#conversations).</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Mode { get; init; }
}

/// <summary>The body of <c>POST /api/agent/{agentId}</c>.</summary>
public sealed record AgentQuestion(string Message);

/// <summary>An RFC 9457 problem body.</summary>
public sealed record ProblemBody(string? Type, string? Title, int? Status, string? Detail);
