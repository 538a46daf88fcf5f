using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Consilium.Council;

/// <summary>
/// An agent's machine-readable position, written by the agent as the last thing in its answer:
/// <code>
/// &lt;stance&gt;{"position": 1, "confidence": 0.7, "summary": "one sentence", "topics": {"financing": -1}}&lt;/stance&gt;
/// </code>
/// <c>position</c> is an integer from -2 (strongly against the proposal in the question) to 2 (strongly for);
/// <c>confidence</c> is 0..1; <c>summary</c> is one sentence; <c>topics</c> (optional) maps short topic names to
/// the agent's position on that topic, -2..2.
/// </summary>
public sealed record Stance(
    [property: JsonPropertyName("position")] int Position,
    [property: JsonPropertyName("confidence")] double Confidence,
    [property: JsonPropertyName("summary")] string Summary,
    [property: JsonPropertyName("topics")] IReadOnlyDictionary<string, int> Topics)
{
    public const string OpenTag = "<stance>";
    public const string CloseTag = "</stance>";
    public const int MaxSummaryLength = 400;
    public const int MaxTopics = 12;

    /// <summary>Writes a stance block exactly as agents are instructed to.</summary>
    public string ToBlock() =>
        OpenTag + JsonSerializer.Serialize(this, CouncilJson.Default.Stance) + CloseTag;

    /// <summary>
    /// Finds the last stance block in an answer and reads it. Returns <c>null</c> for a missing, unterminated or
    /// malformed block, or one whose values are out of range; never throws.
    /// </summary>
    public static Stance? TryParse(string? answer)
    {
        if (string.IsNullOrEmpty(answer))
        {
            return null;
        }
        var open = answer.LastIndexOf(OpenTag, StringComparison.OrdinalIgnoreCase);
        if (open < 0)
        {
            return null;
        }
        var start = open + OpenTag.Length;
        var close = answer.IndexOf(CloseTag, start, StringComparison.OrdinalIgnoreCase);
        if (close < 0)
        {
            return null;
        }
        var json = answer[start..close].Trim();
        // Models sometimes wrap the JSON in a code fence inside the tags.
        if (json.StartsWith("```", StringComparison.Ordinal))
        {
            var firstBrace = json.IndexOf('{', StringComparison.Ordinal);
            var lastBrace = json.LastIndexOf('}');
            json = firstBrace >= 0 && lastBrace > firstBrace ? json[firstBrace..(lastBrace + 1)] : json;
        }
        try
        {
            using var document = JsonDocument.Parse(json, new JsonDocumentOptions { AllowTrailingCommas = true, CommentHandling = JsonCommentHandling.Skip });
            return FromJson(document.RootElement);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static Stance? FromJson(JsonElement root)
    {
        if (root.ValueKind != JsonValueKind.Object
            || !TryNumber(root, "position", out var position)
            || position < -2 || position > 2 || position != Math.Round(position)
            || !TryNumber(root, "confidence", out var confidence)
            || double.IsNaN(confidence) || confidence < 0 || confidence > 1)
        {
            return null;
        }
        var summary = root.TryGetProperty("summary", out var s) && s.ValueKind == JsonValueKind.String ? s.GetString()!.Trim() : "";
        if (summary.Length > MaxSummaryLength)
        {
            summary = summary[..MaxSummaryLength];
        }
        var topics = new SortedDictionary<string, int>(StringComparer.Ordinal);
        if (root.TryGetProperty("topics", out var t) && t.ValueKind == JsonValueKind.Object)
        {
            foreach (var topic in t.EnumerateObject())
            {
                if (topics.Count == MaxTopics)
                {
                    break;
                }
                if (topic.Value.ValueKind == JsonValueKind.Number && topic.Value.TryGetDouble(out var value)
                    && value >= -2 && value <= 2 && topic.Name.Trim().Length is > 0 and <= 60)
                {
                    topics[topic.Name.Trim().ToLowerInvariant()] = (int)Math.Round(value);
                }
            }
        }
        return new Stance((int)position, Math.Round(confidence, 3), summary, topics);
    }

    private static bool TryNumber(JsonElement root, string name, out double value)
    {
        value = 0;
        if (!root.TryGetProperty(name, out var element))
        {
            return false;
        }
        return element.ValueKind switch
        {
            JsonValueKind.Number => element.TryGetDouble(out value),
            JsonValueKind.String => double.TryParse(element.GetString(), NumberStyles.Float, CultureInfo.InvariantCulture, out value),
            _ => false,
        };
    }
}
