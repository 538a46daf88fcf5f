using Consilium.Deploy.Tests.Support;

namespace Consilium.Deploy.Tests;

/// <summary>deploy/docker/Dockerfile: the one recipe every service image is built from (STYLE.md "Deployment").</summary>
public sealed class DockerfileTests
{
    private const string BuildImage = "mcr.microsoft.com/dotnet/sdk:10.0";
    private const string RuntimeImage = "mcr.microsoft.com/dotnet/aspnet:10.0-noble-chiseled";

    private static readonly Dockerfile Recipe = Dockerfile.Instance;

    [Fact]
    public void Stages_BuildOnSdkRunOnChiseledAspNet_MultiStage()
    {
        Assert.True(Recipe.Stages.Count >= 2, $"{Dockerfile.Path} must be multi-stage (build, then runtime).");
        Assert.StartsWith(BuildImage, BaseImage(Recipe.Stages[0]).Tagged, StringComparison.Ordinal);
        Assert.Equal(RuntimeImage, BaseImage(Recipe.Stages[^1]).Tagged);
        var runtime = Recipe.InStage(Recipe.LastStage);
        Assert.All(runtime.Where(instruction => instruction.Keyword == "COPY"), copy =>
            Assert.True(copy.HasFlag("--from="), $"The runtime stage copies only build output, not '{copy.Arguments}'."));
        Assert.DoesNotContain(runtime, instruction => instruction.Keyword == "RUN");
    }

    [Fact]
    public void Stages_EveryBaseImage_PinnedByDigestWithTheTagDependabotFollows()
    {
        foreach (var stage in Recipe.Stages)
        {
            var image = BaseImage(stage);
            Assert.True(image.Digest is not null, $"'FROM {stage.Arguments}' must pin its image by digest (image:tag@sha256:<64 hex>).");
            Assert.True(image.Tagged.Contains(':', StringComparison.Ordinal),
                $"'FROM {stage.Arguments}' must keep the tag beside the digest, so a reader and Dependabot know what it is.");
        }
    }

    [Fact]
    public void BuildStage_CrossCompilesReadyToRun_ForTheTargetArchitecture()
    {
        // The SDK runs natively on the builder (no emulated arm64 compiler) and compiles for TARGETARCH.
        Assert.Contains("--platform=$BUILDPLATFORM", Recipe.Stages[0].Words);
        Assert.Contains(Recipe.InStage(1), instruction => instruction.Keyword == "ARG" && instruction.Arguments == "TARGETARCH");
        foreach (var command in new[] { "dotnet restore", "dotnet publish" })
        {
            var run = Assert.Single(Recipe.InStage(1), instruction => instruction.Keyword == "RUN" && instruction.Arguments.Contains(command, StringComparison.Ordinal));
            var words = run.Words.ToList();
            Assert.True(words.IndexOf("-a") >= 0 && words[words.IndexOf("-a") + 1] == "$TARGETARCH", $"`{command}` must name the target with -a $TARGETARCH.");
            // Restore must know about ReadyToRun too: it fetches the crossgen2 pack that publish then uses.
            Assert.Contains("-p:PublishReadyToRun=true", words);
            // An advisory published tonight fails the audit job in CI, never tonight's image build.
            Assert.Contains("-p:NuGetAudit=false", words);
        }
    }

    [Fact]
    public void RuntimeStage_NonRootUserPort8080AndEntrypoint_Declared()
    {
        var runtime = Recipe.InStage(Recipe.LastStage);
        var user = Assert.Single(runtime, instruction => instruction.Keyword == "USER").Arguments;
        // $APP_UID is the chiseled image's own unprivileged user (1654).
        Assert.True(user is "$APP_UID" or "${APP_UID}" or "app" || (int.TryParse(user.Split(':')[0], out var uid) && uid > 0),
            $"The runtime stage must run as a non-root user, not '{user}'.");
        Assert.Contains(runtime, instruction => instruction.Keyword == "ENV" && instruction.Arguments.Contains("ASPNETCORE_HTTP_PORTS=8080", StringComparison.Ordinal));
        Assert.Contains(runtime, instruction => instruction.Keyword == "EXPOSE" && instruction.Words.Contains("8080"));
        Assert.Contains(runtime, instruction => instruction.Keyword == "ENTRYPOINT" && instruction.Arguments.StartsWith('['));
    }

    [Fact]
    public void RuntimeStage_ConsoleLogs_JsonByDefault()
    {
        // One JSON object per log line with the trace and span ids, in compose and Kubernetes alike (docs/observability.md).
        Assert.Contains(Recipe.InStage(Recipe.LastStage), instruction =>
            instruction.Keyword == "ENV" && instruction.Words.Contains("Logging__Console__FormatterName=json"));
    }

    [Fact]
    public void BuildStage_RestoresBeforeCopyingSources_PublishesWithoutRestoring()
    {
        var build = Recipe.InStage(1);
        var restore = build.FindIndex(instruction => instruction.Keyword == "RUN" && instruction.Arguments.Contains("dotnet restore", StringComparison.Ordinal));
        Assert.True(restore > 0, "The build stage must run `dotnet restore` as its own layer.");
        var beforeRestore = build.Take(restore).Where(instruction => instruction.Keyword == "COPY").ToList();
        Assert.NotEmpty(beforeRestore);
        Assert.All(beforeRestore.SelectMany(copy => copy.CopyPaths().Sources), source =>
            Assert.True(IsRestoreInput(source), $"'{source}' is copied before restore, but restore needs only project, props and global.json files."));

        var publish = build.FindIndex(instruction => instruction.Keyword == "RUN" && instruction.Arguments.Contains("dotnet publish", StringComparison.Ordinal));
        Assert.True(publish > restore, "`dotnet publish` must come after the restore layer.");
        Assert.Contains("--no-restore", build[publish].Words);
        Assert.Contains(build.Skip(restore).Take(publish - restore), instruction => instruction.Keyword == "COPY");
    }

    [Theory]
    [MemberData(nameof(ServiceProjects.All), MemberType = typeof(ServiceProjects))]
    public void RestoreLayer_ServiceProject_CopiesItsWholeProjectReferenceClosure(string project)
    {
        var copied = RestoreCopies(project);
        var closure = ProjectGraph.Closure(ServiceProjects.ProjectFile(project));
        var missing = closure.Where(csproj => !copied.Contains(csproj)).ToList();
        Assert.True(missing.Count == 0,
            $"{project} references {string.Join(", ", missing)}, which {Dockerfile.Path} does not copy before `dotnet restore`: add a COPY line for each.");

        var inputs = closure.SelectMany(ProjectGraph.RestoreInputs).Distinct().ToList();
        var absent = inputs.Where(input => !copied.Contains(input)).ToList();
        Assert.True(absent.Count == 0, $"Restore of {project} reads {string.Join(", ", absent)}, which {Dockerfile.Path} does not copy before `dotnet restore`.");
    }

    [Theory]
    [MemberData(nameof(ServiceProjects.All), MemberType = typeof(ServiceProjects))]
    public void SourceLayer_ServiceProject_CopiesEveryProjectFolderOfItsClosure(string project)
    {
        var build = Recipe.InStage(1);
        var restore = build.FindIndex(instruction => instruction.Keyword == "RUN" && instruction.Arguments.Contains("dotnet restore", StringComparison.Ordinal));
        var arguments = new Dictionary<string, string> { ["PROJECT"] = project };
        var folders = build.Skip(restore)
            .Where(instruction => instruction.Keyword == "COPY")
            .SelectMany(copy => copy.CopyPaths().Sources)
            .Select(source => Dockerfile.Substitute(source, arguments).TrimEnd('/') + "/")
            .ToList();
        foreach (var csproj in ProjectGraph.Closure(ServiceProjects.ProjectFile(project)))
        {
            var folder = csproj[..(csproj.LastIndexOf('/') + 1)];
            Assert.True(folders.Any(copied => folder.StartsWith(copied, StringComparison.Ordinal)),
                $"{Dockerfile.Path} never copies the sources of {folder} (needed by {project}).");
        }
    }

    [Fact]
    public void RestoreLayer_EveryCopiedProject_ExistsAndIsUsedBySomeService()
    {
        var used = ServiceProjects.Images.Keys.SelectMany(project => ProjectGraph.Closure(ServiceProjects.ProjectFile(project))).ToHashSet(StringComparer.Ordinal);
        var copied = ServiceProjects.Images.Keys.SelectMany(RestoreCopies).Where(path => path.EndsWith(".csproj", StringComparison.Ordinal)).ToHashSet(StringComparer.Ordinal);
        Assert.All(copied, csproj =>
        {
            Assert.True(File.Exists(Repository.PathOf(csproj)), $"{Dockerfile.Path} copies {csproj}, which does not exist.");
            Assert.True(used.Contains(csproj), $"{Dockerfile.Path} copies {csproj}, which no service references any more: remove it.");
        });
    }

    [Fact]
    public void ServiceProjects_InRepository_EachHasAnImage()
    {
        Assert.Equal(ServiceProjects.InRepository, ServiceProjects.Images.Keys.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Image_NoConfigurationFileOrSecret_BakedIn()
    {
        Assert.DoesNotContain(Recipe.Instructions, instruction => instruction.Arguments.Contains("appsettings", StringComparison.OrdinalIgnoreCase));
        string[] secretWords = ["SECRET", "KEY", "TOKEN", "PASSWORD"];
        Assert.DoesNotContain(Recipe.Instructions, instruction =>
            instruction.Keyword is "ENV" or "ARG" && secretWords.Any(word => instruction.Arguments.Contains(word, StringComparison.OrdinalIgnoreCase)));
        foreach (var project in ServiceProjects.Images.Keys)
        {
            Assert.Empty(Directory.GetFiles(Repository.PathOf($"services/{project}"), "appsettings*.json", SearchOption.TopDirectoryOnly));
        }
    }

    [Fact]
    public void DockerIgnore_BuildOutputAndSecrets_Excluded()
    {
        var patterns = Repository.Read(".dockerignore").ReplaceLineEndings("\n").Split('\n')
            .Select(line => line.Trim())
            .Where(line => line.Length > 0 && !line.StartsWith('#'))
            .ToHashSet(StringComparer.Ordinal);
        // Host build output would overwrite the restore done in the image (obj/project.assets.json).
        Assert.Contains("**/bin/", patterns);
        Assert.Contains("**/obj/", patterns);
        Assert.Contains("**/appsettings*.json", patterns);
        Assert.Contains("**/.env", patterns);
    }

    /// <summary>A FROM's image: <c>Tagged</c> is name:tag, <c>Digest</c> the sha256 digest when pinned.</summary>
    private static (string Tagged, string? Digest) BaseImage(DockerInstruction from)
    {
        var reference = from.Words.First(word => !word.StartsWith("--", StringComparison.Ordinal));
        var match = System.Text.RegularExpressions.Regex.Match(reference, "^(?<tagged>[^@]+)@sha256:(?<digest>[0-9a-f]{64})$");
        return match.Success ? (match.Groups["tagged"].Value, match.Groups["digest"].Value) : (reference, null);
    }

    /// <summary>The repository files copied before <c>dotnet restore</c> for one service.</summary>
    private static HashSet<string> RestoreCopies(string project)
    {
        var build = Recipe.InStage(1);
        var restore = build.FindIndex(instruction => instruction.Keyword == "RUN" && instruction.Arguments.Contains("dotnet restore", StringComparison.Ordinal));
        var arguments = new Dictionary<string, string> { ["PROJECT"] = project };
        return build.Take(restore)
            .Where(instruction => instruction.Keyword == "COPY")
            .SelectMany(copy => copy.CopyPaths().Sources)
            .Select(source => Dockerfile.Substitute(source, arguments))
            .ToHashSet(StringComparer.Ordinal);
    }

    private static bool IsRestoreInput(string source) =>
        source.EndsWith(".csproj", StringComparison.Ordinal) || source.EndsWith(".props", StringComparison.Ordinal)
        || source.EndsWith(".targets", StringComparison.Ordinal) || source is "global.json" or ".editorconfig"
        || source.EndsWith("NuGet.config", StringComparison.OrdinalIgnoreCase);
}
