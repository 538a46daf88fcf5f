using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using Consilium.Client;
using Consilium.Local.Processes;
using Consilium.Testing;

namespace Consilium.EndToEnd.Tests;

/// <summary>The local launcher itself (docs/architecture.md#running-it-locally), run as <c>dotnet Consilium.Local.dll</c> from this bin folder.</summary>
public sealed partial class LauncherTests
{
    private static readonly TimeSpan ReadyDeadline = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task Launcher_Started_PrintsReadyServesTheApiAndStopsEveryChildOnSigterm()
    {
        var port = Ports.GetFree();
        var marker = Guid.NewGuid().ToString("N");
        await using var launcher = StartLauncher(port, marker);

        var ready = await launcher.WaitForLineAsync(line => line.StartsWith("Consilium ready: ", StringComparison.Ordinal), TestContext.Current.CancellationToken)
            .WaitAsync(ReadyDeadline, TestContext.Current.CancellationToken);
        var match = ReadyLine().Match(ready);
        Assert.True(match.Success, $"Unexpected ready line: '{ready}'");
        Assert.Equal($"http://127.0.0.1:{port}/", match.Groups["url"].Value);
        Assert.Equal(13, ChildProcesses.Of(launcher.ProcessId).Count); // the simulator, ten agents, the orchestrator and the gateway

        // The printed URL and key are all a client needs: the project's own typed client asks an agent with them.
        using (var http = ProcessTopology.CreateClient(new Uri(match.Groups["url"].Value)))
        {
            var client = new ConsiliumClient(http, new ConsiliumClientOptions { Secret = match.Groups["key"].Value });
            var events = new List<AgentEvent>();
            await foreach (var item in client.AskAgentAsync("vasquez", "Should we buy the mall?", TestContext.Current.CancellationToken))
            {
                events.Add(item);
            }
            Assert.True(events[^1] is AgentStreamDoneEvent, $"Expected a complete answer: {string.Join(", ", events)}\n{launcher.Log}");
            Assert.NotEmpty(string.Concat(events.OfType<TextDeltaEvent>().Select(delta => delta.Text)));
        }

        await launcher.StopAsync(TimeSpan.FromSeconds(20)); // SIGTERM; killed only if it has not exited by then

        Assert.True(await launcher.Exited == 0, $"The launcher should stop cleanly on SIGTERM:\n{launcher.Log}");
        var survivors = ChildProcesses.Marked(marker);
        Assert.True(survivors.Count == 0, $"Still running after the launcher exited: {string.Join(", ", survivors)}");
    }

    [Fact]
    public async Task Launcher_PortBusy_SaysSoAndExitsNonZero()
    {
        using var occupant = new TcpListener(IPAddress.Loopback, 0);
        occupant.Start();
        var port = ((IPEndPoint)occupant.LocalEndpoint).Port;
        await using var launcher = StartLauncher(port, Guid.NewGuid().ToString("N"));

        var exitCode = await launcher.Exited.WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);

        Assert.NotEqual(0, exitCode);
        Assert.Contains(launcher.Log.Lines, line => line.Contains($"port {port} is already in use", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Launcher_ServiceDiesWhileStarting_NamesItWithItsLastLinesAndStopsTheRest()
    {
        // Every service is told (through configuration the launcher passes on) to listen on a port that is taken.
        using var occupant = new TcpListener(IPAddress.Loopback, 0);
        occupant.Start();
        var taken = $"http://127.0.0.1:{((IPEndPoint)occupant.LocalEndpoint).Port}";
        var marker = Guid.NewGuid().ToString("N");
        await using var launcher = StartLauncher(Ports.GetFree(), marker, new() { ["Kestrel__Endpoints__Http__Url"] = taken });

        var exitCode = await launcher.Exited.WaitAsync(ReadyDeadline, TestContext.Current.CancellationToken);

        Assert.NotEqual(0, exitCode);
        var log = launcher.Log.ToString();
        Assert.Matches(DeathReport(), log);
        Assert.Contains("address already in use", log, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("Consilium ready:", log, StringComparison.Ordinal);
        Assert.Empty(ChildProcesses.Marked(marker)); // the launcher stopped the others before it exited
    }

    [Fact]
    public async Task Launcher_NativeFolderWithoutTheBuilds_NamesWhatIsMissingAndStartsNothing()
    {
        var folder = Directory.CreateTempSubdirectory("consilium-native-").FullName;
        try
        {
            var marker = Guid.NewGuid().ToString("N");
            await using var launcher = StartLauncher(Ports.GetFree(), marker, arguments: ["--native", folder]);

            var exitCode = await launcher.Exited.WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);

            Assert.Equal(1, exitCode);
            Assert.Contains(launcher.Log.Lines, line => line.Contains($"no published build at {Path.Combine(folder, "Consilium.Agent")}", StringComparison.Ordinal)
                && line.Contains(Path.Combine(folder, "Consilium.Orchestrator", "Consilium.Orchestrator.dll"), StringComparison.Ordinal)
                && line.Contains("deploy/local/publish-native", StringComparison.Ordinal));
            Assert.Empty(ChildProcesses.Marked(marker));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private static ServiceProcess StartLauncher(int port, string marker, Dictionary<string, string?>? environment = null, string[]? arguments = null)
    {
        var launcher = Path.Combine(AppContext.BaseDirectory, "Consilium.Local.dll");
        Assert.True(File.Exists(launcher), $"{launcher} is missing: build this test project (it references deploy/local).");
        var settings = new Dictionary<string, string?>(ProcessTopology.TestDefaults)
        {
            ["CONSILIUM_PORT"] = port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            [ChildProcesses.MarkerVariable] = marker,
        };
        foreach (var (key, value) in environment ?? [])
        {
            settings[key] = value;
        }
        return ServiceProcess.Start("launcher", DotnetHost.Path, [launcher, .. arguments ?? []], settings);
    }

    [GeneratedRegex(@"^Consilium ready: (?<url>http://127\.0\.0\.1:\d+/) key: (?<key>\S+)$")]
    private static partial Regex ReadyLine();

    [GeneratedRegex(@"Consilium: (model-simulator|agent-[a-z]+|orchestrator|gateway) exited with code -?\d+ while starting\. Its last lines:")]
    private static partial Regex DeathReport();
}
