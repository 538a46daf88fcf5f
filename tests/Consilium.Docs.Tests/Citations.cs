using System.Text.RegularExpressions;
using Consilium.Local.Topology;

namespace Consilium.Docs.Tests;

/// <summary>One place that cites a document: the file and line it stands in, and what it names.</summary>
public sealed record Citation(string File, int Line, string Target, string? Anchor, string Text);

/// <summary>
/// Finds what the repository's files cite: <c>docs/x.md#anchor</c> in code and manifests, relative Markdown links in
/// the docs, and citations of documents the repository does not hold (a contract beside the checkout).
/// </summary>
public static partial class Citations
{
    public static string Root { get; } = RepositoryRoot.Find()
        ?? throw new InvalidOperationException("The repository (the folder holding Consilium.sln) was not found; run the tests from the checkout.");

    private static readonly string[] SourceFolders = ["services", "shared", "deploy", "tests", "clients", ".github", ".ci"];
    private static readonly string[] SourceEndings = [".cs", ".js", ".css", ".html", ".yaml", ".yml", ".csproj", ".props", ".targets", ".sh", ".json"];
    private static readonly string[] RootScripts = ["run", "test", "Directory.Build.props", "Directory.Packages.props"];
    private static readonly string[] Skipped = ["bin", "obj", "node_modules", "TestResults", ".git", ".consilium"];

    /// <summary>Source, build and deployment files (not prose), as repository-relative paths.</summary>
    public static IEnumerable<string> SourceFiles()
    {
        foreach (var script in RootScripts.Where(s => File.Exists(Path.Combine(Root, s))))
        {
            yield return script;
        }
        foreach (var folder in SourceFolders.Select(f => Path.Combine(Root, f)).Where(Directory.Exists))
        {
            foreach (var file in Walk(folder).Where(f => SourceEndings.Any(f.EndsWith) || Path.GetFileName(f) is "Dockerfile" or "run"))
            {
                yield return Relative(file);
            }
        }
    }

    /// <summary>README.md and every Markdown file under docs/.</summary>
    public static IEnumerable<string> MarkdownFiles()
    {
        yield return "README.md";
        var docs = Path.Combine(Root, "docs");
        if (Directory.Exists(docs))
        {
            foreach (var file in Walk(docs).Where(f => f.EndsWith(".md", StringComparison.Ordinal)))
            {
                yield return Relative(file);
            }
        }
    }

    /// <summary><c>docs/name.md</c> (optionally <c>#anchor</c>) wherever it stands in a source file's text.</summary>
    public static IEnumerable<Citation> InSource(string file, string text) =>
        Lines(text).SelectMany(line => DocsPath().Matches(line.Text).Select(m => new Citation(
            file, line.Number, m.Groups["path"].Value, m.Groups["anchor"].Success ? m.Groups["anchor"].Value : null, m.Value)));

    /// <summary>Relative links <c>[text](path#anchor)</c> and <c>(#anchor)</c> of a Markdown file, resolved against its folder.</summary>
    public static IEnumerable<Citation> InMarkdown(string file, string text)
    {
        var folder = Path.GetDirectoryName(file.Replace('/', Path.DirectorySeparatorChar)) ?? "";
        foreach (var line in Lines(text))
        {
            foreach (Match link in MarkdownLink().Matches(line.Text))
            {
                var target = link.Groups["target"].Value;
                if (target.Contains("://", StringComparison.Ordinal) || target.StartsWith("mailto:", StringComparison.Ordinal))
                {
                    continue;
                }
                var hash = target.IndexOf('#', StringComparison.Ordinal);
                var path = hash < 0 ? target : target[..hash];
                var anchor = hash < 0 ? null : target[(hash + 1)..];
                var resolved = path.Length == 0
                    ? file
                    : Path.GetRelativePath(Root, Path.GetFullPath(Path.Combine(Root, folder, path))).Replace(Path.DirectorySeparatorChar, '/');
                yield return new Citation(file, line.Number, resolved, anchor, link.Value);
            }
        }
    }

    /// <summary>Lines that cite a document outside the repository: the reference contract beside the checkout.</summary>
    public static IEnumerable<Citation> Outside(string file, string text) =>
        Lines(text).Where(line => OutsideDocument().IsMatch(line.Text))
            .Select(line => new Citation(file, line.Number, "outside the repository", null, line.Text.Trim()));

    /// <summary>Why <paramref name="citation"/> does not hold, or null when the file (and its anchor) exist.</summary>
    public static string? Check(Citation citation)
    {
        var path = Path.Combine(Root, citation.Target.Replace('/', Path.DirectorySeparatorChar));
        if (!File.Exists(path) && !Directory.Exists(path))
        {
            return $"{citation.File}:{citation.Line} cites {citation.Target}, which does not exist ({citation.Text})";
        }
        if (citation.Anchor is { Length: > 0 } anchor && File.Exists(path) && path.EndsWith(".md", StringComparison.Ordinal)
            && !MarkdownAnchors.Of(File.ReadAllText(path)).Contains(anchor))
        {
            return $"{citation.File}:{citation.Line} cites {citation.Target}#{anchor}, but {citation.Target} has no heading with that anchor ({citation.Text})";
        }
        return null;
    }

    public static string Read(string relative) => File.ReadAllText(Path.Combine(Root, relative.Replace('/', Path.DirectorySeparatorChar)));

    private static IEnumerable<string> Walk(string folder)
    {
        foreach (var file in Directory.EnumerateFiles(folder))
        {
            yield return file;
        }
        foreach (var sub in Directory.EnumerateDirectories(folder).Where(d => !Skipped.Contains(Path.GetFileName(d))))
        {
            foreach (var file in Walk(sub))
            {
                yield return file;
            }
        }
    }

    private static string Relative(string absolute) => Path.GetRelativePath(Root, absolute).Replace(Path.DirectorySeparatorChar, '/');

    private static IEnumerable<(int Number, string Text)> Lines(string text) =>
        text.Split('\n').Select((line, index) => (index + 1, line));

    [GeneratedRegex(@"(?<![\w/.-])(?<path>docs/[\w./-]+\.md)(?:#(?<anchor>[\w-]+))?")]
    private static partial Regex DocsPath();

    [GeneratedRegex(@"(?<!!)\[[^\]]*\]\((?<target>[^)\s]+)\)")]
    private static partial Regex MarkdownLink();

    [GeneratedRegex(@"CONTRACT(\.md| ?§)|(?<![./\w])\.\./shared/")]
    private static partial Regex OutsideDocument();
}
