using System.Text.Json;
using Consilium.Council.Tension;

namespace Consilium.Council.Synthesis;

/// <summary>
/// A validated answer of the synthesis call. <see cref="TryParse"/> accepts exactly one JSON object
/// <c>{"axes":[{"topic","for":[ids],"against":[ids],"crux"}],"synthesis":"..."}</c> (a surrounding code fence or text
/// outside the outermost braces is ignored) and rejects the whole answer — returns <c>null</c> — when it is not valid
/// JSON, misses a field, cites an agent that is not among the stances it was given, or puts an agent on both sides of
/// an axis. The council then sends the map with <c>axes: []</c> and <c>synthesis: null</c>.
/// </summary>
public sealed record SynthesisResult(IReadOnlyList<TensionAxis> Axes, string Synthesis)
{
    public const int MaxAxes = 8;
    public const int MaxTopicLength = 80;
    public const int MaxCruxLength = 600;
    public const int MaxSynthesisLength = 2000;

    public static SynthesisResult? TryParse(string? text, IReadOnlyCollection<string> knownAgents)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }
        var first = text.IndexOf('{', StringComparison.Ordinal);
        var last = text.LastIndexOf('}');
        if (first < 0 || last <= first)
        {
            return null;
        }
        try
        {
            using var document = JsonDocument.Parse(text.AsMemory(first, last - first + 1));
            return Read(document.RootElement, knownAgents as IReadOnlySet<string> ?? knownAgents.ToHashSet(StringComparer.Ordinal));
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static SynthesisResult? Read(JsonElement root, IReadOnlySet<string> known)
    {
        if (root.ValueKind != JsonValueKind.Object
            || !root.TryGetProperty("axes", out var axesElement) || axesElement.ValueKind != JsonValueKind.Array
            || Text(root, "synthesis", MaxSynthesisLength) is not { } synthesis)
        {
            return null;
        }
        var axes = new List<TensionAxis>();
        foreach (var axis in axesElement.EnumerateArray())
        {
            if (axis.ValueKind != JsonValueKind.Object
                || Text(axis, "topic", MaxTopicLength) is not { } topic
                || Text(axis, "crux", MaxCruxLength) is not { } crux
                || Ids(axis, "for", known) is not { } @for
                || Ids(axis, "against", known) is not { } against
                || @for.Intersect(against, StringComparer.Ordinal).Any())
            {
                return null;
            }
            if (axes.Count < MaxAxes)
            {
                axes.Add(new TensionAxis(topic, @for, against, crux));
            }
        }
        return new SynthesisResult(axes, synthesis);
    }

    private static string? Text(JsonElement element, string name, int maxLength)
    {
        if (!element.TryGetProperty(name, out var value) || value.ValueKind != JsonValueKind.String)
        {
            return null;
        }
        var text = value.GetString()!.Trim();
        return text.Length == 0 ? null : text.Length > maxLength ? text[..maxLength] : text;
    }

    private static IReadOnlyList<string>? Ids(JsonElement element, string name, IReadOnlySet<string> known)
    {
        if (!element.TryGetProperty(name, out var value) || value.ValueKind != JsonValueKind.Array)
        {
            return null;
        }
        var ids = new List<string>();
        foreach (var id in value.EnumerateArray())
        {
            if (id.ValueKind != JsonValueKind.String || id.GetString() is not { } text || !known.Contains(text))
            {
                return null;
            }
            if (!ids.Contains(text, StringComparer.Ordinal))
            {
                ids.Add(text);
            }
        }
        return ids;
    }
}
