using System.Text.Json.Serialization;
using Consilium.Council.Tension;

namespace Consilium.Council.Conversations;

/// <summary>A ready follow-up round: the message to send and the agents to ask.</summary>
public sealed record FollowUp(
    [property: JsonPropertyName("message")] string Message,
    [property: JsonPropertyName("agents")] IReadOnlyList<string> Agents);

/// <summary>Turns an axis's crux into a question for the agents on both sides of it (those for, then those against).</summary>
public static class CruxFollowUp
{
    public static FollowUp For(TensionAxis axis)
    {
        var crux = axis.Crux.Trim().TrimEnd('.', '?', '!');
        var message = $"On {axis.Topic}, the crux is: {crux}. What would it take to settle it, and what evidence would change your position?";
        return new FollowUp(message, [.. axis.For.Concat(axis.Against).Distinct(StringComparer.Ordinal)]);
    }

    /// <summary>Every axis with its follow-up.</summary>
    public static IReadOnlyList<TensionAxis> Attach(IReadOnlyList<TensionAxis> axes) =>
        [.. axes.Select(axis => axis with { FollowUp = For(axis) })];
}
