using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Text.RegularExpressions;

namespace Consilium.ModelSimulator.Faults;

/// <summary>
/// Parses the directive grammar of the README: <c>[[sim key=value key=value]]</c>, keys separated by whitespace,
/// values without spaces, <c>a|b</c> for several models or agents.
/// </summary>
public static partial class DirectiveParser
{
    [GeneratedRegex(@"\[\[\s*sim\b(?<body>[^\]]*)\]\]", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex Bracketed();

    [GeneratedRegex(@"[ \t]{2,}")]
    private static partial Regex RepeatedSpaces();

    /// <summary>
    /// Reads a header or <c>SIM_FAULTS</c> value: one or more bracketed directives, or the body of a single directive
    /// without brackets (<c>fault=529 model=x</c>).
    /// </summary>
    public static bool TryParseList(string value, out IReadOnlyList<SimDirective> directives, [NotNullWhen(false)] out string? error)
    {
        var matches = Bracketed().Matches(value);
        if (matches.Count == 0)
        {
            var single = TryParseBody(value, out var directive, out error);
            directives = single ? [directive!] : [];
            return single;
        }
        var rest = Bracketed().Replace(value, "").Trim();
        if (rest.Length > 0)
        {
            directives = [];
            error = $"unexpected text outside [[sim …]]: '{rest}'";
            return false;
        }
        return TryParseMatches(matches, out directives, out error);
    }

    /// <summary>
    /// Finds the directives in a message's text and returns the text without them (what the answer may quote).
    /// </summary>
    public static bool TryExtract(string text, out string stripped, out IReadOnlyList<SimDirective> directives, [NotNullWhen(false)] out string? error)
    {
        var matches = Bracketed().Matches(text);
        if (matches.Count == 0)
        {
            stripped = text;
            directives = [];
            error = null;
            return true;
        }
        stripped = RepeatedSpaces().Replace(Bracketed().Replace(text, " "), " ").Trim();
        return TryParseMatches(matches, out directives, out error);
    }

    private static bool TryParseMatches(MatchCollection matches, out IReadOnlyList<SimDirective> directives, [NotNullWhen(false)] out string? error)
    {
        var list = new List<SimDirective>(matches.Count);
        foreach (Match match in matches)
        {
            if (!TryParseBody(match.Groups["body"].Value, out var directive, out error))
            {
                directives = [];
                return false;
            }
            list.Add(directive);
        }
        directives = list;
        error = null;
        return true;
    }

    private static bool TryParseBody(string body, [NotNullWhen(true)] out SimDirective? directive, [NotNullWhen(false)] out string? error)
    {
        var current = new SimDirective { Text = body.Trim() };
        directive = null;
        foreach (var pair in body.Split((char[])[' ', '\t', '\r', '\n'], StringSplitOptions.RemoveEmptyEntries))
        {
            var equals = pair.IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0 || equals == pair.Length - 1)
            {
                error = $"'{pair}' is not key=value";
                return false;
            }
            if (!TryApply(current, pair[..equals].ToLowerInvariant(), pair[(equals + 1)..], out var next, out error))
            {
                return false;
            }
            current = next;
        }
        directive = current;
        error = null;
        return true;
    }

    private static bool TryApply(
        SimDirective d, string key, string value, [NotNullWhen(true)] out SimDirective? result, [NotNullWhen(false)] out string? error)
    {
        error = null;
        result = key switch
        {
            "fault" => ParseFault(value) is { } fault ? d with { Fault = fault } : null,
            "after" => Int(value, 0, 1_000_000) is { } after ? d with { After = after } : null,
            "retry-after" => Int(value, 0, 86_400) is { } seconds ? d with { RetryAfterSeconds = seconds } : null,
            "model" => d with { Models = Set(value, StringComparer.Ordinal) },
            "agent" => d with { Agents = Set(value, StringComparer.OrdinalIgnoreCase) },
            "ttft" => Int(value, 0, 600_000) is { } ttft ? d with { TtftMs = ttft } : null,
            "rate" => Double(value, 0, 1_000_000) is { } rate ? d with { TokensPerSecond = rate } : null,
            "tokens" => Int(value, 1, 100_000) is { } tokens ? d with { Tokens = tokens } : null,
            "probability" => Double(value, 0, 1) is { } p ? d with { Probability = p } : null,
            "inject" => value.Equals("hostile", StringComparison.OrdinalIgnoreCase) ? d with { InjectHostile = true } : null,
            _ => null,
        };
        if (result is null)
        {
            error = key is "fault" or "after" or "retry-after" or "ttft" or "rate" or "tokens" or "probability" or "inject"
                ? $"bad value '{value}' for '{key}'"
                : $"unknown key '{key}' (known: fault, after, retry-after, model, agent, ttft, rate, tokens, probability, inject)";
            return false;
        }
        return true;
    }

    private static FaultKind? ParseFault(string value) => value.ToLowerInvariant() switch
    {
        "429" => FaultKind.RateLimited,
        "500" => FaultKind.ServerError,
        "529" => FaultKind.Overloaded,
        "error" => FaultKind.StreamError,
        "stall" => FaultKind.Stall,
        "drop" => FaultKind.Drop,
        _ => null,
    };

    private static int? Int(string value, int min, int max) =>
        int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) && n >= min && n <= max ? n : null;

    private static double? Double(string value, double min, double max) =>
        double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var n) && n >= min && n <= max ? n : null;

    private static HashSet<string> Set(string value, StringComparer comparer) =>
        new(value.Split('|', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries), comparer);
}
