using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using Consilium.Local.Processes;
using Consilium.Local.Topology;
using Consilium.Testing;

namespace Consilium.EndToEnd.Tests.Reliability;

/// <summary>The gateway as its own process: no resume token in its logs at the most verbose levels; not ready before a probe succeeded.</summary>
public sealed class GatewayReliabilityTests(ReliabilityStack stack) : IClassFixture<ReliabilityStack>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Gateway_ResumeWithTokenInTheQuery_NeverLogsTheTokenEvenAtTrace()
    {
        var lines = new ConcurrentQueue<string>();
        var port = Ports.GetFree();
        await using var gateway = StartGateway(port, stack.Orchestrator(1).AbsoluteUri.TrimEnd('/'), lines, new()
        {
            ["Logging__LogLevel__Default"] = "Trace",
            ["Logging__LogLevel__Microsoft"] = "Trace",
            ["Logging__LogLevel__Microsoft.AspNetCore"] = "Trace",
            ["Logging__LogLevel__Microsoft.AspNetCore.Hosting.Diagnostics"] = "Trace",
            ["Logging__LogLevel__Yarp"] = "Trace",
        });
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}/") };
        await WaitForStatusAsync(http, HttpStatusCode.OK, TimeSpan.FromSeconds(60), gateway);

        // The council is only this test's setup: a refusal (seen once in a full run, status unknown then) is retried
        // twice from a fresh address and named if it persists.
        var refusals = new List<string>();
        SseTranscript? started = null;
        for (var attempt = 0; attempt < 3 && started is null; attempt++)
        {
            using var orchestrator = stack.OrchestratorClient(1, ReliabilityStack.NewClient());
            using var council = await ReliabilityStack.PostJsonAsync(orchestrator, "api/consilium",
                new { message = "[[sim tokens=5]] Should we log the token?", agents = new[] { "mitchell" }, synthesis = false });
            if (council.StatusCode != HttpStatusCode.OK)
            {
                refusals.Add($"{(int)council.StatusCode}: {await council.Content.ReadAsStringAsync(Ct)}");
                await Task.Delay(TimeSpan.FromSeconds(1), Ct);
                continue;
            }
            started = await SseClient.ReadToEndAsync(council, Ct);
        }
        Assert.True(started is not null, $"POST /api/consilium was refused: {string.Join("; ", refusals)}");
        var session = Assert.Single(started.OfType("session")).Json;
        var sessionId = session.GetProperty("sessionId").GetString()!;
        var token = session.GetProperty("resumeToken").GetString()!;

        using var resume = new HttpRequestMessage(HttpMethod.Get, $"api/consilium/sessions/{sessionId}/events?resume={Uri.EscapeDataString(token)}&lastEventId=0");
        resume.Headers.TryAddWithoutValidation("X-Forwarded-For", ReliabilityStack.NewClient());
        using var resumed = await http.SendAsync(resume, HttpCompletionOption.ResponseHeadersRead, Ct);
        Assert.Equal(HttpStatusCode.OK, resumed.StatusCode);
        Assert.Equal("done", (await SseClient.ReadToEndAsync(resumed, Ct)).Terminal?.EventType);

        // The gateway's request line is written once the response has ended; wait for it rather than for a time.
        var clock = Stopwatch.StartNew();
        while (!lines.Any(line => line.Contains($"/api/consilium/sessions/{sessionId}/events?(redacted) answered 200", StringComparison.Ordinal)))
        {
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(20), $"The gateway never logged the resume request with its query redacted:\n{string.Join('\n', lines.Where(line => line.Contains(sessionId, StringComparison.Ordinal)))}");
            await Task.Delay(100, Ct);
        }
        Assert.DoesNotContain(lines, line => line.Contains(token, StringComparison.Ordinal) || line.Contains(Uri.EscapeDataString(token), StringComparison.Ordinal));
    }

    [Fact]
    public async Task Gateway_BeforeAnyProbeSucceeded_IsNotReady_ThenReadyOnceTheOrchestratorAnswers()
    {
        var orchestratorPort = Ports.GetFree();
        var lines = new ConcurrentQueue<string>();
        var port = Ports.GetFree();
        await using var gateway = StartGateway(port, $"http://127.0.0.1:{orchestratorPort}", lines, []);
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}/") };

        // From its first answer, and through the first probe intervals (5 s), it is not ready.
        await WaitForStatusAsync(http, HttpStatusCode.ServiceUnavailable, TimeSpan.FromSeconds(60), gateway);
        var watched = Stopwatch.StartNew();
        while (watched.Elapsed < TimeSpan.FromSeconds(7))
        {
            using var health = await http.GetAsync("health", Ct);
            Assert.Equal(HttpStatusCode.ServiceUnavailable, health.StatusCode);
            await Task.Delay(200, Ct);
        }

        using var listener = new HttpListener();
        listener.Prefixes.Add($"http://127.0.0.1:{orchestratorPort}/");
        listener.Start();
        using var serving = new CancellationTokenSource();
        var answering = Task.Run(async () =>
        {
            while (!serving.IsCancellationRequested)
            {
                var context = await listener.GetContextAsync().WaitAsync(serving.Token);
                context.Response.StatusCode = 200;
                context.Response.Close();
            }
        }, Ct);
        await WaitForStatusAsync(http, HttpStatusCode.OK, TimeSpan.FromSeconds(30), gateway);
        await serving.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => answering);
    }

    private static ServiceProcess StartGateway(int port, string orchestrators, ConcurrentQueue<string> lines, Dictionary<string, string?> extra)
    {
        var environment = new Dictionary<string, string?>(ProcessTopology.TestDefaults)
        {
            ["ASPNETCORE_URLS"] = $"http://127.0.0.1:{port}",
            ["ORCHESTRATOR_URLS"] = orchestrators,
            ["CONSILIUM_SECRET"] = null,
        };
        foreach (var (key, value) in extra)
        {
            environment[key] = value;
        }
        var dll = Path.Combine(AppContext.BaseDirectory, "Consilium.Gateway.dll");
        return ServiceProcess.Start("gateway", DotnetHost.Path, [dll, "--contentRoot", RepositoryRoot.GatewayContentRoot() ?? AppContext.BaseDirectory], environment,
            (_, line) => lines.Enqueue(line), AppContext.BaseDirectory);
    }

    private static async Task WaitForStatusAsync(HttpClient http, HttpStatusCode expected, TimeSpan timeout, ServiceProcess gateway)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            Assert.False(gateway.Exited.IsCompleted, $"The gateway exited:\n{gateway.Log}");
            try
            {
                using var health = await http.GetAsync("health", Ct);
                if (health.StatusCode == expected)
                {
                    return;
                }
                Assert.True(expected == HttpStatusCode.OK, $"/health answered {(int)health.StatusCode} where {(int)expected} was expected.");
            }
            catch (HttpRequestException)
            {
                // not listening yet
            }
            Assert.True(clock.Elapsed < timeout, $"/health did not answer {(int)expected} within {timeout.TotalSeconds} s:\n{gateway.Log}");
            await Task.Delay(100, Ct);
        }
    }
}
