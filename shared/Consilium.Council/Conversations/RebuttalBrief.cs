using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Consilium.Council.Tension;

namespace Consilium.Council.Conversations;

/// <summary>
/// The message a rebuttal round sends each asked agent: the conversation's first question, the agent's own previous
/// position, the other agents' positions with their stance summaries, and the previous round's axes with their
/// cruxes; it asks the agent to hold or move and say why. The lines are plain prose a model reads, and regular
/// enough that <see cref="TryRead"/> gets the numbers back (the model simulator answers from them).
/// </summary>
public static partial class RebuttalBrief
{
    public const string Opening = "Rebuttal round.";

    public sealed record Other(string Id, string Name, StancePosition Position);

    public sealed record Read(string OriginalQuestion, int PreviousPosition, double PreviousConfidence, IReadOnlyDictionary<string, int> Others);

    public static string Build(
        string originalQuestion,
        StancePosition? own,
        IReadOnlyList<Other> others,
        IReadOnlyList<TensionAxis> axes,
        string? message)
    {
        var text = new StringBuilder();
        text.Append(Opening).Append(" The other experts of the council have answered. Read where they stand, then hold your position or move, and say why.\n\n");
        text.Append("Original question: ").Append(OneLine(originalQuestion)).Append('\n');
        if (own is not null)
        {
            text.Append(CultureInfo.InvariantCulture, $"Your previous position: {own.Position} (confidence {own.Confidence:0.00}): {OneLine(own.Summary)}\n");
        }
        text.Append("\nThe other experts' positions (from -2, strongly against, to 2, strongly for):\n");
        foreach (var other in others)
        {
            text.Append(CultureInfo.InvariantCulture, $"- {other.Name} [{other.Id}]: {other.Position.Position} (confidence {other.Position.Confidence:0.00}): {OneLine(other.Position.Summary)}\n");
        }
        if (axes.Count > 0)
        {
            text.Append("\nWhere the council disagreed:\n");
            foreach (var axis in axes)
            {
                text.Append($"- {axis.Topic}: for {Names(axis.For)}; against {Names(axis.Against)}. Crux: {OneLine(axis.Crux)}\n");
            }
        }
        if (!string.IsNullOrWhiteSpace(message))
        {
            text.Append("\nThe person asking adds: ").Append(OneLine(message)).Append('\n');
        }
        text.Append("\nSay first whether you hold or move, and why, addressing the strongest opposing argument. End with your stance block on the original question.");
        return text.ToString();
    }

    /// <summary>Whether a message is a rebuttal brief (which may be longer than a question).</summary>
    public static bool IsBrief(string message) => message.StartsWith(Opening, StringComparison.Ordinal);

    public static bool TryRead(string message, out Read brief)
    {
        brief = null!;
        if (!message.StartsWith(Opening, StringComparison.Ordinal))
        {
            return false;
        }
        var original = OriginalLine().Match(message);
        var own = OwnLine().Match(message);
        if (!original.Success || !own.Success)
        {
            return false;
        }
        var others = new SortedDictionary<string, int>(StringComparer.Ordinal);
        foreach (Match other in OtherLine().Matches(message))
        {
            others[other.Groups["id"].Value] = int.Parse(other.Groups["position"].Value, CultureInfo.InvariantCulture);
        }
        brief = new Read(
            original.Groups["question"].Value.Trim(),
            int.Parse(own.Groups["position"].Value, CultureInfo.InvariantCulture),
            double.Parse(own.Groups["confidence"].Value, CultureInfo.InvariantCulture),
            others);
        return true;
    }

    private static string Names(IReadOnlyList<string> ids) => ids.Count == 0 ? "nobody" : string.Join(", ", ids);

    private static string OneLine(string text) => string.Join(' ', text.Split((char[])['\r', '\n'], StringSplitOptions.RemoveEmptyEntries)).Trim();

    [GeneratedRegex(@"^Original question: (?<question>.+)$", RegexOptions.Multiline | RegexOptions.CultureInvariant)]
    private static partial Regex OriginalLine();

    [GeneratedRegex(@"^Your previous position: (?<position>-?\d) \(confidence (?<confidence>[0-9.]+)\)", RegexOptions.Multiline | RegexOptions.CultureInvariant)]
    private static partial Regex OwnLine();

    [GeneratedRegex(@"^- [^\n]*?\[(?<id>[a-z0-9_-]+)\]: (?<position>-?\d) \(confidence", RegexOptions.Multiline | RegexOptions.CultureInvariant)]
    private static partial Regex OtherLine();
}
