using Consilium.Deploy.Tests.Support;

namespace Consilium.Deploy.Tests;

/// <summary>
/// The deployment files against the schemas of the tools that read them (docs/deploy.md "Checks"): the rendered
/// manifests against the Kubernetes OpenAPI schemas, the compose files against compose-spec, the workflows through
/// actionlint. Each validator is also shown a broken file, so a validator that accepts everything fails here.
/// </summary>
public sealed class SchemaTests
{
    public static TheoryData<string> Overlays() => KubernetesTests.Overlays();

    /// <summary>Compose reads these with the required variables set (the TLS overlay needs a certificate folder).</summary>
    private static readonly Dictionary<string, string?> ComposeEnvironment = new()
    {
        ["CONSILIUM_SECRET"] = "s",
        ["INTERNAL_KEY"] = "k",
        ["CONSILIUM_TLS_DIR"] = Path.GetTempPath(),
    };

    [Theory]
    [MemberData(nameof(Overlays))]
    public async Task Kubernetes_RenderedOverlay_ValidAgainstTheApiSchemas(string overlay)
    {
        var manifests = await Kustomize.RenderAsync(overlay);
        var run = await NodeChecks.RunAsync("validate-k8s.mjs", ["-"], manifests.Text);
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains($"{manifests.All.Count} object(s) valid", run.Output, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("deploy/k8s/components/managed-redis")]
    [InlineData("deploy/k8s/components/open-streams-autoscaling")]
    public async Task Kubernetes_ProductionWithOptionalComponent_ValidAgainstTheApiSchemas(string component)
    {
        var manifests = await Kustomize.RenderWithComponentsAsync(KubernetesTests.Production, component);
        var run = await NodeChecks.RunAsync("validate-k8s.mjs", ["-"], manifests.Text);
        Assert.True(run.ExitCode == 0, run.ToString());
    }

    [Fact]
    public async Task Kubernetes_BrokenManifests_RejectedNamingEachProblem()
    {
        const string Broken = """
            apiVersion: apps/v1
            kind: Deployment
            metadata:
              name: gateway
            spec:
              replicas: two
              replica: 2
              selector:
                matchLabels: { app: gateway }
              template:
                metadata:
                  labels: { app: gateway }
                spec:
                  containers:
                    - name: gateway
                      image: consilium/gateway:dev
                      imagePullPolicy: Sometimes
                      readinessProbe:
                        httpGet: { paht: /health, port: 8080 }
            ---
            apiVersion: autoscaling/v2
            kind: HorizontalPodAutoscaler
            metadata:
              name: gateway
            spec:
              maxReplicas: 3
            ---
            apiVersion: example.com/v1
            kind: Widget
            metadata:
              name: unknown
            """;
        var run = await NodeChecks.RunAsync("validate-k8s.mjs", ["-"], Broken);

        Assert.Equal(1, run.ExitCode);
        Assert.Contains("(Deployment gateway): /spec/replicas: must be integer", run.Output, StringComparison.Ordinal);
        Assert.Contains("(Deployment gateway): /spec/replica: unknown field", run.Output, StringComparison.Ordinal);
        Assert.Contains("/spec/template/spec/containers/0/imagePullPolicy: must be equal to one of the allowed values", run.Output, StringComparison.Ordinal);
        Assert.Contains("/spec/template/spec/containers/0/readinessProbe/httpGet/paht: unknown field", run.Output, StringComparison.Ordinal);
        Assert.Contains("(HorizontalPodAutoscaler gateway): /spec: must have required property scaleTargetRef", run.Output, StringComparison.Ordinal);
        Assert.Contains("(Widget unknown): no schema for apiVersion example.com/v1, kind Widget", run.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Kubernetes_ValidManifestWithMaps_NoUnknownFieldReported()
    {
        // Labels, annotations, resources and ConfigMap data are maps in the schema: any key is allowed there.
        const string Valid = """
            apiVersion: v1
            kind: ConfigMap
            metadata:
              name: settings
              labels: { any-label: x }
              annotations: { example.com/anything: y }
            data:
              WHATEVER_KEY: z
            """;
        var run = await NodeChecks.RunAsync("validate-k8s.mjs", ["-"], Valid);
        Assert.True(run.ExitCode == 0, run.ToString());
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Compose_Files_ValidAgainstTheComposeSpec(bool withTls)
    {
        string[] files = withTls ? [ComposeFile.Path, ComposeFile.TlsPath] : [ComposeFile.Path];
        var run = await NodeChecks.RunAsync("validate-compose.mjs", files.Select(Repository.PathOf), environment: ComposeEnvironment);
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains("valid (15 services)", run.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Compose_TlsOverlayWithoutCertificateFolder_RefusedNamingTheVariable()
    {
        var environment = new Dictionary<string, string?>(ComposeEnvironment) { ["CONSILIUM_TLS_DIR"] = null };
        var run = await NodeChecks.RunAsync("validate-compose.mjs", [Repository.PathOf(ComposeFile.Path), Repository.PathOf(ComposeFile.TlsPath)], environment: environment);
        Assert.Equal(1, run.ExitCode);
        Assert.Contains("required variable CONSILIUM_TLS_DIR is missing a value: set CONSILIUM_TLS_DIR", run.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Compose_BrokenFile_RejectedNamingEachProblem()
    {
        using var folder = new ScratchFolder();
        var broken = folder.Write("docker-compose.yml", """
            name: broken
            services:
              gateway:
                image: consilium/gateway:dev
                restartt: always
                ports: [{ target: 8080, published: true }]
            """);
        var run = await NodeChecks.RunAsync("validate-compose.mjs", [broken]);

        Assert.Equal(1, run.ExitCode);
        Assert.Contains("/services/gateway: must NOT have additional properties 'restartt'", run.Output, StringComparison.Ordinal);
        Assert.Contains("/services/gateway/ports/0/published: must be string,integer", run.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Workflows_Every_ActionlintFindsNothing()
    {
        var run = await NodeChecks.RunAsync("lint-workflows.mjs", []);
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains($"{Workflows.Files.Count} workflow(s), no findings", run.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Workflows_BrokenWorkflow_RejectedByActionlint()
    {
        using var folder = new ScratchFolder();
        var broken = folder.Write("broken.yml", """
            name: broken
            on: [push]
            jobs:
              test:
                runs-on: ubuntu-24.04
                steps:
                  - run: echo "${{ github.event.head_commit.message }}"
                  - run: echo ${{ matrix.missing }}
                needs: nothing
            """);
        var run = await NodeChecks.RunAsync("lint-workflows.mjs", [broken]);

        Assert.Equal(1, run.ExitCode);
        Assert.Contains("potentially untrusted", run.Output, StringComparison.Ordinal);
        Assert.Contains("property \"missing\" is not defined", run.Output, StringComparison.Ordinal);
        Assert.Contains("job \"test\" needs job \"nothing\" which does not exist", run.Output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CheckAll_TheScriptCiRuns_PassesHere()
    {
        // .github/workflows/images.yml runs exactly this; a step that would fail there fails here first.
        var run = await NodeChecks.RunProgramAsync("check-all", TimeSpan.FromMinutes(5));
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains("check-all: every deployment check passed.", run.Output, StringComparison.Ordinal);
    }

    private sealed class ScratchFolder : IDisposable
    {
        private readonly string _path = Directory.CreateTempSubdirectory("consilium-checks-").FullName;

        public string Write(string name, string text)
        {
            var file = Path.Combine(_path, name);
            File.WriteAllText(file, text);
            return file;
        }

        public void Dispose() => Directory.Delete(_path, recursive: true);
    }
}
