using System.Globalization;
using Consilium.Council.Conversations;

namespace Consilium.ModelSimulator.Generation;

/// <summary>
/// How a seat answers a rebuttal round, deterministically from the brief: the other experts' mean position pulls it
/// one step towards them when the gap is at least <see cref="MoveGap"/> and the seat's draw for the original question
/// is below <see cref="Openness"/>; otherwise it holds (a hold firms its confidence, a move lowers it). <c>cross</c>,
/// the designated dissenter, always holds.
/// </summary>
public static class RebuttalPlanner
{
    public const double MoveGap = 0.75;
    public const double Openness = 0.65;
    private const string Contrarian = "cross";

    public sealed record Decision(StancePlanner.Plan Plan, bool Moved, string Reason);

    public static Decision Decide(PersonaVoice voice, RebuttalBrief.Read brief)
    {
        var fresh = StancePlanner.For(voice, brief.OriginalQuestion);
        var from = brief.PreviousPosition;
        var mean = brief.Others.Count > 0 ? brief.Others.Values.Average() : from;
        var gap = mean - from;
        var draw = StableHash.Unit(brief.OriginalQuestion.ToLowerInvariant(), voice.Id, "rebuttal");
        var moves = voice.Id != Contrarian && Math.Abs(gap) >= MoveGap && draw < Openness;
        var to = moves ? Math.Clamp(from + Math.Sign(gap), -2, 2) : from;
        var confidence = Math.Round(moves ? Math.Max(0.3, brief.PreviousConfidence - 0.1) : Math.Min(0.95, brief.PreviousConfidence + 0.05), 2);
        var culture = CultureInfo.InvariantCulture;
        var reason = moves
            ? string.Create(culture, $"I move from {from} to {to}. Having read the others, the council sits at {mean:0.0} on average, and their argument that I had underweighted the {(gap > 0 ? "upside" : "risks")} is stronger than my case for staying at {from}.")
            : voice.Id == Contrarian
                ? string.Create(culture, $"I hold at {from}. Someone has to test the consensus at {mean:0.0}, and nothing in the other answers removes the failure mode I named.")
                : string.Create(culture, $"I hold at {from}. The council averages {mean:0.0}, but the opposing arguments restate what I had already priced in; none of them changes the evidence I rely on.");
        return new Decision(fresh with { Position = to, Confidence = confidence }, moves, reason);
    }
}
