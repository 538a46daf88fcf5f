using System.Diagnostics;
using System.Reflection.PortableExecutable;
using Consilium.Council;
using Consilium.Local.Processes;
using Consilium.Local.Topology;
using Consilium.Testing;

namespace Consilium.EndToEnd.Tests;

/// <summary>
/// The published builds <c>./run</c> runs (docs/benchmarks.md "Native AOT"): the Native AOT agent and simulator and the
/// ReadyToRun orchestrator and gateway, published by <c>deploy/local/publish-native</c> (only when their sources
/// changed; <c>./test</c> publishes before the tests run), then the whole system with them in place of the four
/// <c>.dll</c> builds. The other suites test the JIT builds in-process; this one proves the builds users run do the
/// same work.
/// </summary>
public sealed class NativeAotTests
{
    [Fact]
    public async Task Council_TheBuildsRunRuns_FallbackSynthesisMapAndHealthCheck()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        var folder = await PublishAsync(cancellationToken);
        await using var topology = await ProcessTopology.StartAsync(cancellationToken: cancellationToken, nativeExecutables: NativeBuilds.In(folder));
        var agent = topology.Process(TopologyPlan.AgentName("chen"));
        Assert.Equal(Path.Combine(folder, "Consilium.Agent"), Path.GetFullPath(new FileInfo($"/proc/{agent.ProcessId}/exe").LinkTarget!));
        foreach (var (name, service) in new[] { (TopologyPlan.OrchestratorName, "Consilium.Orchestrator"), (TopologyPlan.GatewayName, "Consilium.Gateway") })
        {
            var published = Path.Combine(folder, service, service + ".dll");
            var commandLine = (await File.ReadAllTextAsync($"/proc/{topology.Process(name).ProcessId}/cmdline", cancellationToken)).Split('\0');
            Assert.Contains(published, commandLine);
            Assert.True(IsReadyToRun(published), $"{published} carries no precompiled (ReadyToRun) code.");
            Assert.False(IsReadyToRun(Path.Combine(AppContext.BaseDirectory, service + ".dll")), "The check tells no build apart: the JIT build beside the tests passes it too.");
        }

        using var client = topology.CreateGatewayClient();
        using var response = await SseClient.PostAsync(client, "/api/consilium",
            new { message = "Should a port city electrify its ferries first? [[sim agent=chen fault=529 model=claude-sonnet-4-20250514]]" },
            cancellationToken);
        var transcript = await SseClient.ReadToEndAsync(response, cancellationToken);

        Assert.Equal("done", transcript.Terminal?.EventType);
        Assert.Equal(Roster.Ids.Count, transcript.OfType("agent_done").Count());
        Assert.Contains(transcript.OfType("retry"), e => e.Data.Contains("\"chen\"", StringComparison.Ordinal));
        Assert.NotEmpty(transcript.OfType("synthesis_delta"));
        Assert.Single(transcript.OfType("tension_map"));

        // The compose health check of a native image: the executable itself, against the agent it is.
        var check = Process.Start(new ProcessStartInfo(Path.Combine(folder, "Consilium.Agent"), "--health-check")
        {
            Environment = { ["ASPNETCORE_URLS"] = topology.AgentUrl("chen").ToString() },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        })!;
        await check.WaitForExitAsync(cancellationToken);
        Assert.True(check.ExitCode == 0, await check.StandardError.ReadToEndAsync(cancellationToken));
    }

    /// <summary>An assembly with ReadyToRun code has a managed native header in its CLI header.</summary>
    private static bool IsReadyToRun(string assembly)
    {
        using var pe = new PEReader(File.OpenRead(assembly));
        return pe.PEHeaders.CorHeader?.ManagedNativeHeaderDirectory.Size > 0;
    }

    /// <summary>Runs <c>deploy/local/publish-native</c> into the checkout's <c>.consilium/native</c>, which <c>./run</c> uses too.</summary>
    private static async Task<string> PublishAsync(CancellationToken cancellationToken)
    {
        var root = RepositoryRoot.Find() ?? throw new InvalidOperationException("These tests run from a checkout (no Consilium.sln above the test's folder).");
        var folder = Path.Combine(root, ".consilium", "native");
        await using var publish = ServiceProcess.Start("publish-native", Path.Combine(root, "deploy", "local", "publish-native"), [folder], new Dictionary<string, string?>());
        var exit = await publish.Exited.WaitAsync(cancellationToken);
        Assert.True(exit == 0,
            $"deploy/local/publish-native could not publish the builds ./run runs (exit {exit}); it needs clang and zlib1g-dev " +
            $"(apt-get install clang zlib1g-dev; ./test installs them):{Environment.NewLine}{string.Join(Environment.NewLine, publish.Log.Lines)}");
        return folder;
    }
}
