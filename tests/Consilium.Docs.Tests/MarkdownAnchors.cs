using System.Text;
using System.Text.RegularExpressions;

namespace Consilium.Docs.Tests;

/// <summary>
/// The anchors a Markdown file's headings get on GitHub: the heading text lower-cased, every character that is not a
/// letter, digit, space, hyphen or underscore dropped, spaces turned into hyphens; a repeated anchor gets <c>-1</c>,
/// <c>-2</c>, … in order.
/// </summary>
public static partial class MarkdownAnchors
{
    public static IReadOnlySet<string> Of(string markdown)
    {
        var anchors = new HashSet<string>(StringComparer.Ordinal);
        var seen = new Dictionary<string, int>(StringComparer.Ordinal);
        var inFence = false;
        foreach (var line in markdown.Split('\n'))
        {
            if (line.TrimStart().StartsWith("```", StringComparison.Ordinal))
            {
                inFence = !inFence;
                continue;
            }
            if (inFence || Heading().Match(line) is not { Success: true } heading)
            {
                continue;
            }
            var slug = Slug(heading.Groups["text"].Value);
            if (seen.TryGetValue(slug, out var count))
            {
                seen[slug] = count + 1;
                anchors.Add($"{slug}-{count + 1}");
            }
            else
            {
                seen[slug] = 0;
                anchors.Add(slug);
            }
        }
        return anchors;
    }

    public static string Slug(string heading)
    {
        var text = new StringBuilder(heading.Length);
        foreach (var c in heading.Trim().ToLowerInvariant())
        {
            if (char.IsLetterOrDigit(c) || c is '-' or '_')
            {
                text.Append(c);
            }
            else if (c == ' ')
            {
                text.Append('-');
            }
        }
        return text.ToString();
    }

    [GeneratedRegex(@"^#{1,6}\s+(?<text>.+?)\s*#*\s*$")]
    private static partial Regex Heading();
}
