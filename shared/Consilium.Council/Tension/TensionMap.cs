using System.Text.Json.Serialization;
using Consilium.Council.Conversations;

namespace Consilium.Council.Tension;

/// <summary>
/// Where the council agrees and disagrees (docs/api.md#tension-map). Everything but <see cref="Axes"/> and <see cref="Synthesis"/>
/// is computed deterministically by <see cref="TensionMath"/>; those two come from the synthesis call.
/// </summary>
public sealed record TensionMap(
    [property: JsonPropertyName("agents")] IReadOnlyList<string> Agents,
    [property: JsonPropertyName("positions")] IReadOnlyDictionary<string, StancePosition> Positions,
    [property: JsonPropertyName("matrix")] IReadOnlyList<IReadOnlyList<double>> Matrix,
    [property: JsonPropertyName("consensus")] double Consensus,
    [property: JsonPropertyName("coalitions")] IReadOnlyList<IReadOnlyList<string>> Coalitions,
    [property: JsonPropertyName("outliers")] IReadOnlyList<string> Outliers,
    [property: JsonPropertyName("missing")] IReadOnlyList<string> Missing,
    [property: JsonPropertyName("axes")] IReadOnlyList<TensionAxis> Axes,
    [property: JsonPropertyName("synthesis")] string? Synthesis,
    [property: JsonPropertyName("shifts"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyDictionary<string, StanceShift>? Shifts = null,
    [property: JsonPropertyName("moved"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyList<string>? Moved = null,
    [property: JsonPropertyName("held"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyList<string>? Held = null,
    [property: JsonPropertyName("notAsked"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyList<string>? NotAsked = null);

/// <summary>One agent's stance as the map shows it.</summary>
public sealed record StancePosition(
    [property: JsonPropertyName("position")] int Position,
    [property: JsonPropertyName("confidence")] double Confidence,
    [property: JsonPropertyName("summary")] string Summary);

/// <summary>One axis of disagreement named by the synthesis: who is for, who against, and the crux.</summary>
public sealed record TensionAxis(
    [property: JsonPropertyName("topic")] string Topic,
    [property: JsonPropertyName("for")] IReadOnlyList<string> For,
    [property: JsonPropertyName("against")] IReadOnlyList<string> Against,
    [property: JsonPropertyName("crux")] string Crux,
    [property: JsonPropertyName("followUp"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] FollowUp? FollowUp = null);

/// <summary>How one requested agent ended: with a stance (possibly unreadable, <c>null</c>) or failed.</summary>
public sealed record AgentVerdict(string AgentId, bool Succeeded, Stance? Stance)
{
    public static AgentVerdict Answered(string agentId, Stance? stance) => new(agentId, true, stance);

    public static AgentVerdict Failed(string agentId) => new(agentId, false, null);
}
