using System.Diagnostics.CodeAnalysis;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using Consilium.Council;
using Consilium.Council.Synthesis;

namespace Consilium.ModelSimulator.Generation;

/// <summary>
/// Answers the orchestrator's synthesis call (the "11th worker", <see cref="SynthesisPrompt"/>): reads the <c>&lt;stances&gt;[…]&lt;/stances&gt;</c> block
/// and writes only <c>{"axes":[{"topic","for","against","crux"}],"synthesis":"…"}</c>. An axis is a topic on which at
/// least one agent is above 0 and another below; <c>overall</c> (from <c>position</c>) comes first when it splits.
/// </summary>
public static partial class SynthesisWriter
{
    public const string Seat = SynthesisPrompt.Seat;
    private const string Overall = "overall";

    private static readonly JsonTypeInfo<SynthesisAnswer> Json = (JsonTypeInfo<SynthesisAnswer>)new JsonSerializerOptions
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        TypeInfoResolver = SynthesisJson.Default,
    }.GetTypeInfo(typeof(SynthesisAnswer));

    private static readonly Dictionary<string, string> Cruxes = new(StringComparer.Ordinal)
    {
        [Overall] = "whether the proposal's load-bearing assumptions survive a hostile test",
        [Topics.Financing] = "whether the deal still pencils at today's cost of capital and debt terms",
        [Topics.Demand] = "whether demand is deep enough to absorb the space at the rents assumed",
        [Topics.Regulation] = "whether the approvals arrive on time and without conditions that change the economics",
        [Topics.Construction] = "whether the building can be delivered for the budget and on the schedule assumed",
        [Topics.Operations] = "whether the asset can be run at the operating margin the model assumes",
        [Topics.Technology] = "whether the technology changes operating results enough to justify its cost and lock-in",
        [Topics.Community] = "whether the neighbourhood gains enough to accept the project",
        [Topics.Climate] = "whether physical climate risk and tightening energy rules are priced over the hold",
        [Topics.Timing] = "whether now is the right point in the cycle to commit",
    };

    /// <summary>Writes the synthesis JSON for a message containing a well-formed stances block; false otherwise.</summary>
    public static bool TryWrite(string message, [NotNullWhen(true)] out string? json)
    {
        json = null;
        if (!TryReadStances(message, out var stances))
        {
            return false;
        }
        var axes = new List<Axis>();
        if (Split(stances, s => s.Position) is { } overall)
        {
            axes.Add(overall with { Topic = Overall });
        }
        var topicNames = stances.SelectMany(s => s.Topics.Keys).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal);
        axes.AddRange(topicNames
            .Select(topic => Split(stances, s => s.Topics.GetValueOrDefault(topic)) is { } axis ? axis with { Topic = topic } : null)
            .OfType<Axis>()
            .OrderByDescending(axis => Math.Min(axis.For.Count, axis.Against.Count))
            .ThenByDescending(axis => axis.For.Count + axis.Against.Count)
            .ThenBy(axis => axis.Topic, StringComparer.Ordinal));

        var names = stances.ToDictionary(s => s.Agent, s => s.Name, StringComparer.Ordinal);
        axes = [.. axes.Select(axis => axis with { Crux = CruxSentence(axis, names) })];
        json = JsonSerializer.Serialize(new SynthesisAnswer(axes, Paragraph(stances, axes, names)), Json);
        return true;
    }

    private static Axis? Split(IReadOnlyList<StanceEntry> stances, Func<StanceEntry, double> value)
    {
        var pro = stances.Where(s => value(s) > 0).Select(s => s.Agent).ToList();
        var con = stances.Where(s => value(s) < 0).Select(s => s.Agent).ToList();
        return pro.Count > 0 && con.Count > 0 ? new Axis("", pro, con, "") : null;
    }

    private static string CruxSentence(Axis axis, Dictionary<string, string> names)
    {
        var pro = NameList(axis.For, names);
        var con = NameList(axis.Against, names);
        var crux = Cruxes.GetValueOrDefault(axis.Topic) ?? $"whether {axis.Topic} helps or hurts the proposal";
        return axis.Topic == Overall
            ? $"{pro} back the proposal while {con} oppose it; the crux is {crux}."
            : $"{pro} read {axis.Topic} as support for the proposal while {con} see it as the main risk; the crux is {crux}.";
    }

    private static string Paragraph(IReadOnlyList<StanceEntry> stances, List<Axis> axes, Dictionary<string, string> names)
    {
        var pro = stances.Count(s => s.Position > 0);
        var con = stances.Count(s => s.Position < 0);
        var undecided = stances.Count - pro - con;
        var mood = pro > con ? "leans in favour" : con > pro ? "leans against" : "is evenly divided";
        var opening = $"The council {mood} ({pro} for, {con} against, {undecided} undecided).";
        var topicAxes = axes.Where(axis => axis.Topic != Overall).ToList();
        if (topicAxes.Count == 0)
        {
            return axes.Count == 0
                ? opening + " No topic divides it; the remaining questions are about execution, not direction."
                : opening + $" The split is about the proposal as a whole rather than any single topic: {NameList(axes[0].For, names)} against {NameList(axes[0].Against, names)}.";
        }
        var main = topicAxes[0];
        var text = opening + $" The main split is on {main.Topic}: {NameList(main.For, names)} against {NameList(main.Against, names)}.";
        if (topicAxes.Count > 1)
        {
            text += $" A second fault line runs through {topicAxes[1].Topic}.";
        }
        var crux = Cruxes.GetValueOrDefault(main.Topic) ?? $"whether {main.Topic} helps or hurts the proposal";
        return text + $" Settle {crux} first; much of the rest of the disagreement follows from it.";
    }

    private static string NameList(IReadOnlyList<string> ids, Dictionary<string, string> names)
    {
        var shown = ids.Select(id => names.GetValueOrDefault(id) ?? id).ToList();
        return shown.Count switch
        {
            1 => shown[0],
            2 or 3 => string.Join(", ", shown[..^1]) + " and " + shown[^1],
            _ => string.Join(", ", shown.Take(2)) + $" and {shown.Count - 2} others",
        };
    }

    /// <summary>The stances through the council's own reader, so both sides agree on the block's format.</summary>
    private static bool TryReadStances(string message, [NotNullWhen(true)] out List<StanceEntry>? stances)
    {
        var read = SynthesisPrompt.TryReadStances(message);
        stances = read?
            .DistinctBy(stance => stance.Agent, StringComparer.Ordinal)
            .Select(stance => new StanceEntry(
                stance.Agent,
                !string.IsNullOrWhiteSpace(stance.Name) ? stance.Name : Roster.TryGet(stance.Agent, out var profile) ? profile.Name : stance.Agent,
                stance.Position,
                (stance.Topics ?? new Dictionary<string, int>()).ToDictionary(t => t.Key.Trim().ToLowerInvariant(), t => (double)t.Value, StringComparer.Ordinal)))
            .ToList();
        if (stances is { Count: 0 })
        {
            stances = null;
        }
        return stances is not null;
    }

    private sealed record StanceEntry(string Agent, string Name, double Position, Dictionary<string, double> Topics);

    private sealed record Axis(
        [property: JsonPropertyName("topic")] string Topic,
        [property: JsonPropertyName("for")] IReadOnlyList<string> For,
        [property: JsonPropertyName("against")] IReadOnlyList<string> Against,
        [property: JsonPropertyName("crux")] string Crux);

    /// <summary>The answer's serialization metadata, generated at build time (no reflection: Native AOT keeps it).</summary>
    [JsonSerializable(typeof(SynthesisAnswer))]
    private sealed partial class SynthesisJson : JsonSerializerContext;

    private sealed record SynthesisAnswer(
        [property: JsonPropertyName("axes")] IReadOnlyList<Axis> Axes,
        [property: JsonPropertyName("synthesis")] string Synthesis);
}
