using System.Globalization;
using System.Text;

namespace Consilium.Benchmark.Reporting;

/// <summary>A GitHub-flavoured Markdown table; the first column is left-aligned, the others right-aligned.</summary>
public sealed class MarkdownTable(params string[] headers)
{
    private readonly List<string[]> _rows = [];

    public MarkdownTable Row(params object?[] cells)
    {
        _rows.Add([.. cells.Select(Format)]);
        return this;
    }

    public override string ToString()
    {
        var text = new StringBuilder();
        text.Append("| ").AppendJoin(" | ", headers).AppendLine(" |");
        text.Append("|:--").AppendJoin("", headers.Skip(1).Select(_ => "|--:")).AppendLine("|");
        foreach (var row in _rows)
        {
            text.Append("| ").AppendJoin(" | ", row).AppendLine(" |");
        }
        return text.ToString();
    }

    /// <summary>Milliseconds with one decimal ("12.3"), signed when asked ("+0.4").</summary>
    public static string Ms(double value, bool signed = false) =>
        double.IsNaN(value) ? "–" : value.ToString(signed ? "+0.0;-0.0;0.0" : "0.0", CultureInfo.InvariantCulture);

    public static string Percent(double share) =>
        double.IsNaN(share) ? "–" : (share * 100).ToString("0.0", CultureInfo.InvariantCulture) + " %";

    public static string Mib(double value) => double.IsNaN(value) ? "–" : value.ToString("0", CultureInfo.InvariantCulture);

    public static string Verdict(bool pass) => pass ? "pass" : "**fail**";

    private static string Format(object? cell) => cell switch
    {
        null => "–",
        double d => Ms(d),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => cell.ToString()!.Replace("|", "\\|", StringComparison.Ordinal),
    };
}
