using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using System.Text.RegularExpressions;
using Consilium.Council;
using Consilium.Local.Processes;
using Consilium.Local.Topology;
using Consilium.Testing;

namespace Consilium.Observability.Tests;

/// <summary>
/// <c>./run --dashboard</c> (docs/observability.md#where-to-look): the launcher, run as <c>dotnet Consilium.Local.dll
/// --dashboard</c> from this bin folder, starts the Aspire Dashboard from its NuGet package, points every service's
/// OTLP exporter at it and prints its link; the dashboard's own telemetry API then lists all thirteen services.
/// </summary>
public sealed partial class DashboardLauncherTests
{
    /// <summary>Thirteen services plus the dashboard (and its package restore on a fresh clone) on a loaded 2-core machine.</summary>
    private static readonly TimeSpan ReadyDeadline = TimeSpan.FromSeconds(240);

    /// <summary>Metrics leave every 500 ms and spans every 200 ms here; the margin is for a loaded machine (load average ~100).</summary>
    private static readonly TimeSpan Arrival = TimeSpan.FromSeconds(150);

    private static readonly string[] Services =
        [TopologyPlan.GatewayName, TopologyPlan.OrchestratorName, TopologyPlan.SimulatorName, .. Roster.Ids.Select(TopologyPlan.AgentName)];

    [Fact]
    public async Task RunDashboard_OneCouncil_EveryServiceSendsItsTelemetryToTheDashboardAndAllStopOnSigterm()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        var launcherPath = Path.Combine(AppContext.BaseDirectory, "Consilium.Local.dll");
        Assert.True(File.Exists(launcherPath), $"{launcherPath} is missing: build this test project (it references deploy/local).");
        var environment = new Dictionary<string, string?>(ProcessTopology.TestDefaults)
        {
            ["CONSILIUM_PORT"] = "0",
            // Export quickly, so the council's spans are in the dashboard within a second; the launcher adds the endpoint.
            ["OTEL_BSP_SCHEDULE_DELAY"] = "200",
            ["OTEL_METRIC_EXPORT_INTERVAL"] = "500",
            ["OTEL_EXPORTER_OTLP_ENDPOINT"] = null,
            ["OTEL_EXPORTER_OTLP_PROTOCOL"] = null,
        };
        await using var launcher = ServiceProcess.Start("launcher", DotnetHost.Path, [launcherPath, "--dashboard"], environment);

        string ready, link;
        try
        {
            ready = await launcher.WaitForLineAsync(line => line.StartsWith("Consilium ready: ", StringComparison.Ordinal), cancellationToken)
                .WaitAsync(ReadyDeadline, cancellationToken);
            link = await launcher.WaitForLineAsync(line => line.StartsWith("Consilium dashboard: ", StringComparison.Ordinal), cancellationToken)
                .WaitAsync(TimeSpan.FromSeconds(10), cancellationToken);
        }
        catch (Exception ex) when (ex is InvalidOperationException or TimeoutException)
        {
            // The launcher restores Aspire.Dashboard.Sdk.linux-x64 itself and says why when it cannot.
            Assert.Fail($"./run --dashboard did not get ready ({ex.Message}). It needs the NuGet package Aspire.Dashboard.Sdk.linux-x64 " +
                "(see Directory.Packages.props) from this machine's NuGet feed: `dotnet restore deploy/dashboard` fetches it into " +
                $"deploy/dashboard/.dashboard. The launcher said:{Environment.NewLine}{launcher.Log}");
            throw;
        }
        var readyMatch = ReadyLine().Match(ready);
        Assert.True(readyMatch.Success, $"Unexpected ready line: '{ready}'");
        var linkMatch = DashboardLine().Match(link);
        Assert.True(linkMatch.Success, $"Unexpected dashboard line: '{link}'");
        var dashboard = new Uri(linkMatch.Groups["url"].Value);
        var token = linkMatch.Groups["token"].Value;

        // The browser UI: without the token it sends the browser to its login page; the link signs it in (a cookie).
        using (var browser = new HttpClient(new SocketsHttpHandler { UseCookies = false }) { BaseAddress = dashboard })
        using (var page = await browser.GetAsync("/", cancellationToken))
        {
            Assert.StartsWith("/login", page.RequestMessage?.RequestUri?.AbsolutePath ?? "", StringComparison.Ordinal);
        }
        using (var anonymous = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false, UseCookies = false }) { BaseAddress = dashboard })
        {
            using var signedIn = await anonymous.GetAsync(new Uri(dashboard, $"/login?t={token}"), cancellationToken);
            Assert.True(signedIn.Headers.TryGetValues("Set-Cookie", out var cookies) && cookies.Any(),
                $"The login link did not sign in ({(int)signedIn.StatusCode}).");
        }

        using (var client = ProcessTopology.CreateClient(new Uri(readyMatch.Groups["url"].Value), readyMatch.Groups["key"].Value))
        using (var response = await SseClient.PostAsync(client, "api/consilium", new { message = "Should we reopen the ferry line?", synthesis = false }, cancellationToken))
        {
            // A refusal (a problem+json, not a stream) is named with its body rather than read as an empty stream.
            Assert.True(response.IsSuccessStatusCode,
                $"The council was refused with {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync(cancellationToken)}\n{launcher.Log}");
            var transcript = await SseClient.ReadToEndAsync(response, cancellationToken);
            Assert.True(transcript.Terminal?.EventType == "done", $"Expected a complete council:\n{transcript}\n{launcher.Log}");
        }

        // The dashboard's telemetry API (the token is its key): every service sent traces and metrics, and the council's span is there.
        // No per-request timeout: the deadline below bounds the whole wait (one slow answer on a busy machine is no failure).
        using var api = new HttpClient { BaseAddress = dashboard, Timeout = Timeout.InfiniteTimeSpan };
        api.DefaultRequestHeaders.Add("x-api-key", token);
        using (var stranger = new HttpClient { BaseAddress = dashboard })
        using (var unauthorised = await stranger.GetAsync("/api/telemetry/resources", cancellationToken))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, unauthorised.StatusCode);
        }
        var missing = Services.ToList();
        var councilSeen = false;
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(Arrival);
        using var poll = new PeriodicTimer(TimeSpan.FromMilliseconds(500));
        try
        {
            while (missing.Count > 0 || !councilSeen)
            {
                await poll.WaitForNextTickAsync(deadline.Token);
                using var resources = JsonDocument.Parse(await api.GetStringAsync("/api/telemetry/resources", deadline.Token));
                var reporting = resources.RootElement.EnumerateArray()
                    .Where(r => r.GetProperty("hasTraces").GetBoolean() && r.GetProperty("hasMetrics").GetBoolean())
                    .Select(r => r.GetProperty("name").GetString())
                    .ToHashSet();
                missing = [.. Services.Where(name => !reporting.Contains(name))];
                councilSeen = councilSeen || (await api.GetStringAsync("/api/telemetry/spans?resource=orchestrator", deadline.Token))
                    .Contains("\"name\":\"council\"", StringComparison.Ordinal);
            }
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            Assert.Fail($"Within {Arrival.TotalSeconds:0} s the dashboard had no traces and metrics from {string.Join(", ", missing)}" +
                $"{(councilSeen ? "" : " and no council span from the orchestrator")}.{Environment.NewLine}{launcher.Log}");
        }

        // Ctrl+C or SIGTERM stops the services and the dashboard; nothing listens afterwards.
        await launcher.StopAsync(TimeSpan.FromSeconds(60));
        Assert.True(await launcher.Exited == 0, $"The launcher should stop cleanly on SIGTERM:\n{launcher.Log}");
        Assert.Contains(launcher.Log.Lines, line => line == "Consilium: stopped.");
        Assert.False(await ListensAsync(dashboard), $"The dashboard still answers on {dashboard} after the launcher stopped.");
        Assert.False(await ListensAsync(new Uri(readyMatch.Groups["url"].Value)), "The gateway still answers after the launcher stopped.");
    }

    private static async Task<bool> ListensAsync(Uri url)
    {
        using var socket = new TcpClient();
        try
        {
            await socket.ConnectAsync(url.Host, url.Port);
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }

    [GeneratedRegex(@"^Consilium ready: (?<url>http://127\.0\.0\.1:\d+/) key: (?<key>\S+)$")]
    private static partial Regex ReadyLine();

    [GeneratedRegex(@"^Consilium dashboard: (?<url>http://127\.0\.0\.1:\d+/)login\?t=(?<token>[0-9a-f]{32})$")]
    private static partial Regex DashboardLine();
}
