namespace Consilium.Docs.Tests;

/// <summary>Every document or section the repository cites exists in the repository.</summary>
public sealed class CitationTests
{
    [Fact]
    public void SourceFiles_CiteOnlyDocsThatExist()
    {
        var broken = Citations.SourceFiles()
            .Where(file => !file.StartsWith("tests/Consilium.Docs.Tests/", StringComparison.Ordinal))
            .SelectMany(file => Citations.InSource(file, Citations.Read(file)))
            .Select(Citations.Check)
            .OfType<string>()
            .ToList();

        Assert.True(broken.Count == 0, "Code cites documents or sections that do not exist:\n" + string.Join("\n", broken));
    }

    [Fact]
    public void SourceFiles_CiteNoDocumentOutsideTheRepository()
    {
        var outside = Citations.SourceFiles()
            .Where(file => !file.StartsWith("tests/Consilium.Docs.Tests/", StringComparison.Ordinal))
            .SelectMany(file => Citations.Outside(file, Citations.Read(file)))
            .Select(c => $"{c.File}:{c.Line}: {c.Text}")
            .ToList();

        Assert.True(outside.Count == 0,
            "These lines cite a document that is not in the repository; cite docs/api.md (or another docs/ page) instead:\n"
            + string.Join("\n", outside));
    }

    [Fact]
    public void MarkdownFiles_LinkOnlyToFilesAndHeadingsThatExist()
    {
        var broken = Citations.MarkdownFiles()
            .SelectMany(file => Citations.InMarkdown(file, Citations.Read(file)))
            .Select(Citations.Check)
            .OfType<string>()
            .ToList();

        Assert.True(broken.Count == 0, "Links in the docs point nowhere:\n" + string.Join("\n", broken));
    }

    [Fact]
    public void MarkdownFiles_CiteNoDocumentOutsideTheRepository()
    {
        var outside = Citations.MarkdownFiles()
            .SelectMany(file => Citations.Outside(file, Citations.Read(file)))
            .Select(c => $"{c.File}:{c.Line}: {c.Text}")
            .ToList();

        Assert.True(outside.Count == 0, "The docs cite a document that is not in the repository:\n" + string.Join("\n", outside));
    }

    [Theory]
    [InlineData("/// The rules (docs/api.md#no-such-heading).", "no heading with that anchor")]
    [InlineData("/// The rules (docs/nowhere.md).", "does not exist")]
    public void Check_ABrokenCitation_IsReported(string line, string expected)
    {
        var citation = Assert.Single(Citations.InSource("example.cs", line));

        var problem = Citations.Check(citation);

        Assert.NotNull(problem);
        Assert.Contains(expected, problem);
    }

    [Fact]
    public void Check_ACitationOfAnExistingHeading_Holds()
    {
        var citation = Assert.Single(Citations.InSource("example.cs", "/// (docs/api.md#post-apiconsilium--the-council)"));

        Assert.Null(Citations.Check(citation));
    }

    [Fact]
    public void Outside_TheReferenceContract_IsFound()
    {
        // Built from parts, so this file itself cites nothing outside the repository.
        var outside = "/// Exact origins only (" + "CONTRACT" + " §3, layer 1).";
        Assert.Single(Citations.Outside("example.cs", outside));
        Assert.Empty(Citations.Outside("example.cs", "/// Exact origins only (docs/security.md)."));
    }

    [Theory]
    [InlineData("`POST /api/agent/{agentId}` — one agent", "post-apiagentagentid--one-agent")]
    [InlineData("The layers, in order", "the-layers-in-order")]
    [InlineData("Agent → model", "agent--model")]
    public void Slug_FollowsGitHubsAnchors(string heading, string anchor) =>
        Assert.Equal(anchor, MarkdownAnchors.Slug(heading));
}
