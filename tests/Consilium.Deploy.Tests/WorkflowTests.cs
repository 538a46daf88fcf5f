using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Consilium.Deploy.Tests.Support;

namespace Consilium.Deploy.Tests;

/// <summary>.github: CI, the image build and Dependabot (docs/deploy.md "CI", "Images", "Dependabot").</summary>
public sealed partial class WorkflowTests
{
    private static readonly JsonObject Ci = Workflows.Load("ci.yml");
    private static readonly JsonObject Images = Workflows.Load("images.yml");
    private static readonly JsonObject Image = Workflows.Load("image.yml");

    [Fact]
    public void Actions_EveryUse_PinnedByFullCommitWithItsReleaseInAComment()
    {
        foreach (var file in Workflows.Files)
        {
            var lines = Repository.Read(file).ReplaceLineEndings("\n").Split('\n');
            foreach (var (line, number) in lines.Select((line, index) => (line.Trim(), index + 1)).Where(line => line.Item1.StartsWith("- uses:", StringComparison.Ordinal) || line.Item1.StartsWith("uses:", StringComparison.Ordinal)))
            {
                var reference = line[(line.IndexOf("uses:", StringComparison.Ordinal) + 5)..].Trim();
                if (reference.StartsWith("./", StringComparison.Ordinal))
                {
                    continue; // a workflow of this repository
                }
                Assert.True(PinnedAction().IsMatch(reference),
                    $"{file}:{number}: '{reference}' must be owner/name@<40-hex commit> # v<release>, so the code that runs cannot change under the tag.");
            }
        }
    }

    [Fact]
    public void Ci_OnPushAndPullRequest_RunsTheTestScriptWithTheSdkOfGlobalJson()
    {
        var triggers = Ci["on"]!.AsObject();
        Assert.True(triggers.ContainsKey("push") && triggers.ContainsKey("pull_request"), "CI runs on push and on pull_request.");
        var test = Workflows.Jobs(Ci)["test"];
        Assert.StartsWith("ubuntu-", test["runs-on"]!.ToString(), StringComparison.Ordinal);
        Assert.Equal("global.json", Workflows.Uses(test, "actions/setup-dotnet")["with"]!["global-json-file"]!.ToString());
        Assert.Contains(Workflows.Steps(test), step => step["run"]?.ToString().Trim() == "./test");
        var cache = Workflows.Steps(test).Where(step => step["uses"]?.ToString().StartsWith("actions/cache@", StringComparison.Ordinal) == true);
        Assert.Contains(cache, step => step["with"]!["path"]!.ToString().Contains(".nuget/packages", StringComparison.Ordinal)
            && step["with"]!["key"]!.ToString().Contains("Directory.Packages.props", StringComparison.Ordinal));
    }

    [Fact]
    public void Ci_TestResults_UploadedEvenWhenTestsFail()
    {
        var test = Workflows.Jobs(Ci)["test"];
        var upload = Workflows.Uses(test, "actions/upload-artifact");
        Assert.Equal("always()", upload["if"]!.ToString());
        // ./test writes its TRX files under TestResults/.
        Assert.Equal("TestResults/", upload["with"]!["path"]!.ToString());
        Assert.Contains("TestResults/test-run", Repository.Read("test"), StringComparison.Ordinal);
    }

    [Fact]
    public void Ci_Audit_ItsOwnJobFailingOnVulnerablePackages()
    {
        var audit = Workflows.Jobs(Ci)["audit"];
        var script = string.Join('\n', Workflows.Steps(audit).Select(step => step["run"]?.ToString() ?? ""));
        Assert.Contains("dotnet list Consilium.sln package --vulnerable --include-transitive", script, StringComparison.Ordinal);
        Assert.Contains("exit 1", script, StringComparison.Ordinal);
        Assert.Null(audit["needs"]);
        Assert.DoesNotContain(Workflows.Jobs(Ci).Values, job => job["needs"]?.ToString().Contains("audit", StringComparison.Ordinal) == true);
        // The build itself only warns about advisories: Directory.Build.props keeps NU1901-NU1904 out of the errors.
        var props = Repository.Read("Directory.Build.props");
        Assert.Contains("<NuGetAuditMode>all</NuGetAuditMode>", props, StringComparison.Ordinal);
        Assert.Matches("<WarningsNotAsErrors>[^<]*NU1901;NU1902;NU1903;NU1904", props);
    }

    [Fact]
    public void Permissions_ReadOnlyByDefault_PackagesWriteOnlyForTheJobThatPushes()
    {
        foreach (var workflow in new[] { Ci, Images, Image })
        {
            Assert.Equal("read", workflow["permissions"]!["contents"]!.ToString());
            Assert.Single(workflow["permissions"]!.AsObject());
        }
        var writers = Workflows.Files.Select(file => Yaml.LoadDocument(Repository.Read(file)))
            .SelectMany(workflow => Workflows.Jobs(workflow))
            .Where(job => job.Value["permissions"]?["packages"]?.ToString() == "write")
            .Select(job => job.Key);
        Assert.Equal(["publish"], writers);
        var publish = Workflows.Jobs(Images)["publish"];
        Assert.Equal("github.event_name == 'push'", publish["if"]!.ToString());
        Assert.Equal("true", publish["with"]!["push"]!.ToString().ToLowerInvariant());
        var build = Workflows.Jobs(Images)["build"];
        Assert.Equal("false", build["with"]!["push"]!.ToString().ToLowerInvariant());
        Assert.Equal(["main"], Yaml.Strings(Images["on"]!["push"]!["branches"]));
        Assert.Contains("v*.*.*", Yaml.Strings(Images["on"]!["push"]!["tags"]));
    }

    [Fact]
    public void Images_MatrixOverEveryService_BuiltFromTheDockerfileForAmd64AndArm64()
    {
        var job = Workflows.Jobs(Image)["image"];
        var matrix = job["strategy"]!["matrix"]!["include"]!.AsArray().Select(entry => entry!.AsObject()).ToList();
        var projects = matrix.ToDictionary(entry => entry["project"]!.ToString(), entry => entry["image"]!.ToString(), StringComparer.Ordinal);
        Assert.Equal(ServiceProjects.Images.Keys.Order(StringComparer.Ordinal), projects.Keys.Order(StringComparer.Ordinal));
        Assert.All(projects, pair => Assert.Equal(ServiceProjects.Images[pair.Key], "consilium/" + pair.Value));

        var build = Workflows.Uses(job, "docker/build-push-action")["with"]!;
        Assert.Equal(Dockerfile.Path, build["file"]!.ToString());
        Assert.Equal("PROJECT=${{ matrix.project }}", build["build-args"]!.ToString().Trim());
        Assert.Equal(["linux/amd64", "linux/arm64"], build["platforms"]!.ToString().Split(',').Order(StringComparer.Ordinal));
        Assert.Equal("${{ inputs.push }}", build["push"]!.ToString());
        Assert.StartsWith("type=gha", build["cache-from"]!.ToString(), StringComparison.Ordinal);
        Assert.StartsWith("type=gha,mode=max", build["cache-to"]!.ToString(), StringComparison.Ordinal);
        Assert.Equal("true", build["sbom"]!.ToString().ToLowerInvariant());
        Assert.Equal("mode=max", build["provenance"]!.ToString());
        Workflows.Uses(job, "docker/setup-buildx-action");
        Assert.Equal("inputs.push", Workflows.Uses(job, "docker/login-action")["if"]!.ToString());
    }

    [Fact]
    public void Images_Tags_ShaAlwaysAndSemverFromVersionTags()
    {
        var meta = Workflows.Uses(Workflows.Jobs(Image)["image"], "docker/metadata-action")["with"]!;
        Assert.StartsWith("ghcr.io/", meta["images"]!.ToString(), StringComparison.Ordinal);
        var tags = meta["tags"]!.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.Contains("type=sha,prefix=sha-", tags);
        Assert.Contains("type=semver,pattern={{version}}", tags);
    }

    [Fact]
    public void Images_ManifestsJob_RunsTheSameChecksAsTheTests()
    {
        var manifests = Workflows.Jobs(Images)["manifests"];
        Assert.Contains(Workflows.Steps(manifests), step => step["run"]?.ToString().Trim() == $"{NodeChecks.Folder}/check-all");
        var compose = string.Join('\n', Workflows.Steps(manifests).Select(step => step["run"]?.ToString() ?? ""));
        Assert.Contains($"docker compose -f {ComposeFile.Path} -f {ComposeFile.TlsPath} config --quiet", compose, StringComparison.Ordinal);
    }

    [Fact]
    public void Dependabot_NuGetActionsDockerAndTheChecks_UpdatedWeekly()
    {
        var updates = Yaml.LoadDocument(Repository.Read(".github/dependabot.yml"))["updates"]!.AsArray().Select(entry => entry!.AsObject()).ToList();
        var ecosystems = updates.ToDictionary(entry => entry["package-ecosystem"]!.ToString(), entry => entry["directory"]!.ToString(), StringComparer.Ordinal);
        Assert.Equal("/", ecosystems["nuget"]);
        Assert.Equal("/", ecosystems["github-actions"]);
        Assert.Equal("/" + Path.GetDirectoryName(Dockerfile.Path)!.Replace('\\', '/'), ecosystems["docker"]);
        Assert.Equal("/" + NodeChecks.Folder, ecosystems["npm"]);
        Assert.All(updates, entry => Assert.Equal("weekly", entry["schedule"]!["interval"]!.ToString()));
    }

    [GeneratedRegex(@"^[A-Za-z0-9_.-]+/[A-Za-z0-9_./-]+@[0-9a-f]{40} # v\d+(\.\d+)*$")]
    private static partial Regex PinnedAction();
}
