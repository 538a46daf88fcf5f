using System.Text.Json.Serialization;
using Consilium.Council.Tension;

namespace Consilium.Council.Conversations;

/// <summary>How one agent's stance changed against its previous stance in the conversation.</summary>
public sealed record StanceShift(
    [property: JsonPropertyName("from")] int From,
    [property: JsonPropertyName("to")] int To,
    [property: JsonPropertyName("confidenceFrom")] double ConfidenceFrom,
    [property: JsonPropertyName("confidenceTo")] double ConfidenceTo);

/// <summary>
/// Who moved: for every agent asked this round that has a stance now and had one in an earlier round, its shift from
/// the latest earlier stance. It <b>moved</b> when its position changed, else it <b>held</b> (a change of confidence
/// alone is a hold; the shift shows it). Agents not asked keep their last stance and are listed in <c>notAsked</c>.
/// </summary>
public static class StanceShifts
{
    public sealed record Result(
        IReadOnlyDictionary<string, StanceShift> Shifts,
        IReadOnlyList<string> Moved,
        IReadOnlyList<string> Held);

    /// <param name="asked">The agents asked this round, in roster order.</param>
    /// <param name="previous">Each agent's latest stance in earlier rounds.</param>
    /// <param name="current">This round's stances of the agents that answered with one.</param>
    public static Result Compute(
        IReadOnlyList<string> asked,
        IReadOnlyDictionary<string, StancePosition> previous,
        IReadOnlyDictionary<string, StancePosition> current)
    {
        var shifts = new SortedDictionary<string, StanceShift>(StringComparer.Ordinal);
        var moved = new List<string>();
        var held = new List<string>();
        foreach (var id in asked)
        {
            if (!previous.TryGetValue(id, out var before) || !current.TryGetValue(id, out var now))
            {
                continue;
            }
            shifts[id] = new StanceShift(before.Position, now.Position, before.Confidence, now.Confidence);
            (before.Position == now.Position ? held : moved).Add(id);
        }
        return new Result(shifts, moved, held);
    }
}
