using System.Text;

namespace Consilium.Benchmark.Reporting;

/// <summary>
/// The Markdown report: written to standard output as it is made (and kept for <c>--markdown</c>). Progress goes to
/// standard error, so standard output is exactly the report.
/// </summary>
public sealed class Report
{
    private readonly StringBuilder _text = new();

    public void Line(string line = "")
    {
        Console.Out.WriteLine(line);
        _text.AppendLine(line);
    }

    public void Table(MarkdownTable table)
    {
        Console.Out.Write(table.ToString());
        _text.Append(table);
        Line();
    }

    public static void Progress(string message) => Console.Error.WriteLine($"[bench {TimeProvider.System.GetLocalNow():HH:mm:ss}] {message}");

    public override string ToString() => _text.ToString();
}
