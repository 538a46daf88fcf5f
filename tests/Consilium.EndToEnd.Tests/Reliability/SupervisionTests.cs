using System.Net;
using System.Text.RegularExpressions;
using Consilium.Local.Processes;
using Consilium.Testing;

namespace Consilium.EndToEnd.Tests.Reliability;

/// <summary>
/// The launcher as a supervisor and the orchestrator's shutdown, with real processes (docs/reliability.md,
/// "Supervision" and "Shutdown"): a SIGKILLed agent is restarted while the others keep running and the council of that
/// moment ends with <c>agent_error</c> for it and <c>done</c>; a SIGTERMed orchestrator ends its open streams with a
/// terminal event saying it is shutting down, through the gateway, with the chunked terminator; it is restarted too.
/// </summary>
public sealed partial class SupervisionTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Launcher_AgentKilledThenOrchestratorTerminated_RestartsEachAndStreamsEndWithATerminalEvent()
    {
        var port = Ports.GetFree();
        var marker = Guid.NewGuid().ToString("N");
        var launcherDll = Path.Combine(AppContext.BaseDirectory, "Consilium.Local.dll");
        var settings = new Dictionary<string, string?>(ProcessTopology.TestDefaults)
        {
            ["CONSILIUM_PORT"] = port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            [ChildProcesses.MarkerVariable] = marker,
        };
        await using var launcher = ServiceProcess.Start("launcher", DotnetHost.Path, [launcherDll], settings);
        var ready = await launcher.WaitForLineAsync(line => line.StartsWith("Consilium ready: ", StringComparison.Ordinal), Ct)
            .WaitAsync(TimeSpan.FromSeconds(120), Ct);
        var match = ReadyLine().Match(ready);
        Assert.True(match.Success, ready);
        using var client = ProcessTopology.CreateClient(new Uri(match.Groups["url"].Value), match.Groups["key"].Value);

        // 1. SIGKILL one agent in the middle of a council.
        var chen = ChildProcesses.ChildWith(launcher.ProcessId, "AGENT_ID=chen") ?? throw new InvalidOperationException("agent-chen not found");
        using (var council = await SseClient.PostAsync(client, "api/consilium",
            new { message = "[[sim ttft=5 rate=40 tokens=200]] Should we convert the office tower to housing?", synthesis = false }, Ct))
        {
            Assert.Equal(HttpStatusCode.OK, council.StatusCode);
            var events = new List<TimedSseEvent>();
            var killed = false;
            await foreach (var item in SseClient.ReadEventsAsync(council, Ct)) // one enumeration: leaving it closes the stream
            {
                events.Add(item);
                if (!killed && item.EventType == "delta" && item.Json.GetProperty("agent").GetString() == "chen"
                    && events.Count(e => e.EventType == "delta") > 20)
                {
                    ChildProcesses.Signal(chen, "KILL");
                    killed = true;
                }
            }
            Assert.True(killed, "agent-chen never streamed: nothing was killed.");
            var all = new SseTranscript(events);
            Assert.True(all.Terminal?.EventType == "done", $"The council should end with done:\n{all}\n{launcher.Log}");
            var failed = all.OfType("agent_error").Select(e => e.Json.GetProperty("agent").GetString()).ToList();
            Assert.Equal(["chen"], failed);
            Assert.Equal(9, all.OfType("agent_done").Count());
        }
        await launcher.WaitForLineAsync(line => line.Contains("agent-chen exited with code 137 unexpectedly; restarting it", StringComparison.Ordinal), Ct)
            .WaitAsync(TimeSpan.FromSeconds(30), Ct);
        await launcher.WaitForLineAsync(line => line.Contains("agent-chen restarted", StringComparison.Ordinal) && line.Contains("healthy again", StringComparison.Ordinal), Ct)
            .WaitAsync(TimeSpan.FromSeconds(60), Ct);
        Assert.Equal(13, ChildProcesses.Of(launcher.ProcessId).Count);

        // 2. SIGTERM the orchestrator while a council and an agent passthrough stream through the gateway.
        var orchestrator = ChildProcesses.ChildRunning(launcher.ProcessId, "Consilium.Orchestrator.dll") ?? throw new InvalidOperationException("orchestrator not found");
        using (var council = await SseClient.PostAsync(client, "api/consilium",
            new { message = "[[sim ttft=5 rate=20 tokens=400]] Should we sell the parking garages?", synthesis = false }, Ct))
        using (var single = await SseClient.PostAsync(client, "api/agent/webb", new { message = "[[sim ttft=5 rate=20 tokens=400]] Should we sell?" }, Ct))
        {
            Assert.Equal(HttpStatusCode.OK, council.StatusCode);
            Assert.Equal(HttpStatusCode.OK, single.StatusCode);
            await using (var first = SseClient.ReadEventsAsync(council, Ct).GetAsyncEnumerator(Ct))
            {
                var seen = new List<TimedSseEvent>();
                while (seen.Count(e => e.EventType == "delta") < 10 && await first.MoveNextAsync())
                {
                    seen.Add(first.Current);
                }
                ChildProcesses.Signal(orchestrator, "TERM");
                while (await first.MoveNextAsync()) // ends only with the chunked terminator; a cut connection throws
                {
                    seen.Add(first.Current);
                }
                var transcript = new SseTranscript(seen);
                Assert.True(transcript.Terminal?.EventType == "error", $"The council should end with error:\n{transcript}");
                Assert.Equal("unavailable", transcript.Terminal!.Json.GetProperty("code").GetString());
                Assert.Equal("The orchestrator is shutting down; resume this session on another replica or ask again.",
                    transcript.Terminal.Json.GetProperty("message").GetString());
            }
            var passthrough = await SseClient.ReadToEndAsync(single, Ct);
            Assert.True(passthrough.Terminal?.EventType == "error", $"The passthrough should end with error:\n{passthrough}");
            Assert.Contains("shutting down", passthrough.Terminal!.Json.GetProperty("message").GetString(), StringComparison.Ordinal);
        }
        await launcher.WaitForLineAsync(line => line.Contains("orchestrator exited with code", StringComparison.Ordinal) && line.Contains("restarting it", StringComparison.Ordinal), Ct)
            .WaitAsync(TimeSpan.FromSeconds(40), Ct);
        await launcher.WaitForLineAsync(line => line.Contains("orchestrator restarted", StringComparison.Ordinal), Ct)
            .WaitAsync(TimeSpan.FromSeconds(60), Ct);

        // 3. After recovery a council has all ten (the gateway may need one probe to see the orchestrator again).
        SseTranscript after;
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            using var response = await SseClient.PostAsync(client, "api/consilium", new { message = "[[sim tokens=20]] Is everyone back?", synthesis = false }, Ct);
            if (response.StatusCode == HttpStatusCode.OK)
            {
                after = await SseClient.ReadToEndAsync(response, Ct);
                break;
            }
            Assert.True(DateTime.UtcNow < deadline, $"The gateway still answers {(int)response.StatusCode} a minute after the orchestrator restarted.");
            await Task.Delay(500, Ct);
        }
        Assert.True(after.Terminal?.EventType == "done", after.ToString());
        Assert.Equal(10, after.OfType("agent_done").Count());

        await launcher.StopAsync(TimeSpan.FromSeconds(30));
        Assert.True(await launcher.Exited == 0, $"The launcher should stop cleanly on SIGTERM:\n{launcher.Log}");
        Assert.Empty(ChildProcesses.Marked(marker));
    }

    [GeneratedRegex(@"^Consilium ready: (?<url>http://127\.0\.0\.1:\d+/) key: (?<key>\S+)$")]
    private static partial Regex ReadyLine();
}
