using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Consilium.Testing;

namespace Consilium.EndToEnd.Tests.Reliability;

/// <summary>
/// The reliability edges over real processes (docs/reliability.md): message rules in the orchestrator and the agent,
/// stream-cap refusals outside the rate limit, the slow-reader cut-off, idempotent council start across two replicas,
/// the per-model circuit breaker, bare-LF request lines.
/// </summary>
public sealed class ReliabilityTests(ReliabilityStack stack) : IClassFixture<ReliabilityStack>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public static TheoryData<string> Invisible() =>
    [
        "\u200B\u200C\u200D",
        "\u2060\uFEFF",
        "\0",
        " \t\r\n\u00A0\u3000",
        "\u0001\u001F\u007F\u200E",
    ];

    [Theory]
    [MemberData(nameof(Invisible))]
    public async Task Ask_NoVisibleCharacter_Is400NamingMessageInOrchestratorAndAgent(string message)
    {
        using var gateway = stack.Topology.CreateGatewayClient();
        foreach (var path in new[] { "api/consilium", "api/agent/vasquez" })
        {
            using var response = await ReliabilityStack.PostJsonAsync(gateway, path, new { message });
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            var detail = await ReliabilityStack.ProblemDetailAsync(response);
            Assert.Contains("'message'", detail, StringComparison.Ordinal);
            Assert.Contains("visible", detail, StringComparison.Ordinal);
        }

        using var agent = ProcessTopology.CreateClient(stack.Topology.AgentUrl("vasquez"), stack.Topology.InternalKey);
        using var direct = await ReliabilityStack.PostJsonAsync(agent, "v1/ask", new { message });
        Assert.Equal(HttpStatusCode.BadRequest, direct.StatusCode);
        Assert.Contains("visible", await ReliabilityStack.ProblemDetailAsync(direct), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Ask_8000EmojiAreAccepted_8001ScalarValuesAreRefusedSayingHowTheyAreCounted()
    {
        const string directive = "[[sim tokens=5]] ";
        var fits = directive + string.Concat(Enumerable.Repeat("😀", 8000 - directive.Length));
        Assert.Equal(2 * 8000 - directive.Length, fits.Length); // twice the UTF-16 units: the old count refused it

        using var gateway = stack.Topology.CreateGatewayClient();
        // As UTF-8 (4 bytes an emoji); a JSON writer would send each as two \u escapes (12 bytes).
        using (var accepted = await gateway.PostAsync("api/agent/vasquez", new StringContent($"{{\"message\": \"{fits}\"}}", Encoding.UTF8, "application/json"), Ct))
        {
            Assert.Equal(HttpStatusCode.OK, accepted.StatusCode);
            var transcript = await SseClient.ReadToEndAsync(accepted, Ct);
            Assert.Equal("done", transcript.Terminal?.EventType);
        }
        using var agent = ProcessTopology.CreateClient(stack.Topology.AgentUrl("vasquez"), stack.Topology.InternalKey);
        foreach (var (client, path) in new[] { (gateway, "api/consilium"), (gateway, "api/agent/vasquez"), (agent, "v1/ask") })
        {
            using var refused = await client.PostAsync(path, new StringContent($"{{\"message\": \"{fits}😀\"}}", Encoding.UTF8, "application/json"), Ct);
            Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
            Assert.Contains("8001 characters (Unicode scalar values)", await ReliabilityStack.ProblemDetailAsync(refused), StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task AskCouncil_StreamCapRefusals_DoNotUseUpTheRateLimit()
    {
        var client = ReliabilityStack.NewClient();
        using var http = stack.OrchestratorClient(1, client);
        var slow = new { message = "[[sim ttft=20000 tokens=5]] Should we hold the stream open?", agents = new[] { "vasquez" }, synthesis = false };
        using var holder = await ReliabilityStack.PostJsonAsync(http, "api/consilium", slow);
        Assert.Equal(HttpStatusCode.OK, holder.StatusCode);

        for (var i = 0; i < ReliabilityStack.RateLimit + 10; i++)
        {
            using var refused = await ReliabilityStack.PostJsonAsync(http, "api/consilium", slow);
            Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
            Assert.Contains("council stream", await ReliabilityStack.ProblemDetailAsync(refused), StringComparison.Ordinal);
        }

        using var agents = await http.GetAsync("api/agents", Ct);
        Assert.Equal(HttpStatusCode.OK, agents.StatusCode);
        // The open council and this request are counted; none of the refused streams.
        Assert.Equal((ReliabilityStack.RateLimit - 2).ToString(System.Globalization.CultureInfo.InvariantCulture), agents.Headers.GetValues("RateLimit-Remaining").Single());
    }

    [Fact]
    public async Task CouncilStream_ClientStopsReading_IsClosedAfterTheWriteTimeoutAndItsSlotFreedWhileTheCouncilRuns()
    {
        var client = ReliabilityStack.NewClient();
        var port = stack.Orchestrator(1).Port;
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { ReceiveBufferSize = 1024 };
        await socket.ConnectAsync(IPAddress.Loopback, port, Ct);
        // Ten answers of 6,000 tokens (~6 MB of events): more than Kestrel's and the sockets' buffers hold (4 MB at most).
        var body = JsonSerializer.Serialize(new { message = "[[sim ttft=5 rate=6000 tokens=6000]] Should we build a reader that never reads?", synthesis = false });
        var head = $"POST /api/consilium HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nAuthorization: Bearer {stack.Topology.Secret}\r\n" +
            $"X-Forwarded-For: {client}\r\nContent-Type: application/json\r\nContent-Length: {Encoding.UTF8.GetByteCount(body)}\r\n\r\n";
        await socket.SendAsync(Encoding.UTF8.GetBytes(head + body), Ct);
        var received = new StringBuilder();
        var buffer = new byte[256];
        while (!received.ToString().Contains("\r\n\r\n", StringComparison.Ordinal))
        {
            var read = await socket.ReceiveAsync(buffer, Ct);
            Assert.True(read > 0, $"The orchestrator closed the connection before the response head: {received}");
            received.Append(Encoding.ASCII.GetString(buffer, 0, read));
        }
        var responseHead = received.ToString();
        Assert.StartsWith("HTTP/1.1 200", responseHead, StringComparison.Ordinal);
        var sessionId = responseHead.Split("\r\n").Single(line => line.StartsWith("Consilium-Session:", StringComparison.OrdinalIgnoreCase)).Split(':', 2)[1].Trim();
        var stoppedReading = Stopwatch.StartNew(); // from here on nothing is read

        // The slot (one per client) comes back once the stream is cut; until then a second stream is refused.
        using var http = stack.OrchestratorClient(1, client);
        HttpStatusCode status;
        do
        {
            Assert.True(stoppedReading.Elapsed < TimeSpan.FromSeconds(60), "The stalled stream still holds its slot after 60 s.");
            // Every try is counted by the rate limit (30 a minute here): try every 2 s.
            await Task.Delay(2000, Ct);
            using var resume = new HttpRequestMessage(HttpMethod.Get, $"api/consilium/sessions/{sessionId}/events");
            resume.Headers.TryAddWithoutValidation("Last-Event-ID", "0");
            using var attempt = await http.SendAsync(resume, HttpCompletionOption.ResponseHeadersRead, Ct);
            status = attempt.StatusCode;
            if (status == HttpStatusCode.TooManyRequests)
            {
                Assert.Contains("council stream", await ReliabilityStack.ProblemDetailAsync(attempt), StringComparison.Ordinal);
            }
            if (status == HttpStatusCode.OK)
            {
                // The council kept running for the resume grace: resuming from the start reads it to its end.
                var transcript = await SseClient.ReadToEndAsync(attempt, Ct);
                Assert.True(transcript.Terminal?.EventType == "done", $"The resumed council did not finish:\n{transcript}");
                Assert.Equal(10, transcript.OfType("agent_done").Count());
            }
        }
        // 503: the event log (Redis, 1 s timeouts) did not answer in time on a loaded machine; a client tries again.
        while (status is HttpStatusCode.TooManyRequests or HttpStatusCode.ServiceUnavailable);
        Assert.Equal(HttpStatusCode.OK, status);
        Assert.Contains(stack.Lines("orchestrator"), line => line.Contains("SSE_WRITE_TIMEOUT", StringComparison.Ordinal));
    }

    [Fact]
    public async Task AskCouncil_SameIdempotencyKeyOnTheOtherReplica_AttachesToTheSameSessionWithoutASecondCouncil()
    {
        var key = Guid.NewGuid().ToString();
        var body = new { message = "[[sim ttft=200 rate=400 tokens=60]] Should we retry the purchase of the harbour warehouse?", agents = new[] { "okafor" }, synthesis = false };
        void WithKey(HttpRequestMessage request) => request.Headers.TryAddWithoutValidation("Idempotency-Key", key);
        var before = await stack.SimulatorRequestsAsync("okafor");

        using var toFirst = stack.OrchestratorClient(1, ReliabilityStack.NewClient());
        string sessionId;
        using (var first = await ReliabilityStack.PostJsonAsync(toFirst, "api/consilium", body, WithKey))
        {
            Assert.Equal(HttpStatusCode.OK, first.StatusCode);
            sessionId = first.Headers.GetValues("Consilium-Session").Single();
            await using var events = SseClient.ReadEventsAsync(first, Ct).GetAsyncEnumerator(Ct);
            Assert.True(await events.MoveNextAsync());
            Assert.Equal("session", events.Current.EventType);
        } // the connection is dropped: the client retries

        using var toSecond = stack.OrchestratorClient(2, ReliabilityStack.NewClient());
        using (var retry = await ReliabilityStack.PostJsonAsync(toSecond, "api/consilium", body, WithKey))
        {
            Assert.Equal(HttpStatusCode.OK, retry.StatusCode);
            Assert.Equal(sessionId, retry.Headers.GetValues("Consilium-Session").Single());
            var transcript = await SseClient.ReadToEndAsync(retry, Ct);
            Assert.Equal("session", transcript.Events[0].EventType);
            Assert.Equal("1", transcript.Events[0].EventId); // replayed from the start, like a resume
            Assert.True(transcript.Terminal?.EventType == "done", transcript.ToString());
        }
        Assert.Equal(before + 1, await stack.SimulatorRequestsAsync("okafor")); // one council paid for, not two

        using (var other = await ReliabilityStack.PostJsonAsync(toSecond, "api/consilium", body with { }, request =>
        {
            WithKey(request);
            request.Content = System.Net.Http.Json.JsonContent.Create(new { message = "A different question entirely?", agents = new[] { "okafor" }, synthesis = false });
        }))
        {
            Assert.Equal(HttpStatusCode.UnprocessableEntity, other.StatusCode);
            Assert.Contains("different body", await ReliabilityStack.ProblemDetailAsync(other), StringComparison.Ordinal);
        }

        // Another client (another secret) with the same key never sees this session.
        using var stranger = stack.OrchestratorClient(1, ReliabilityStack.NewClient(), stack.SecondSecret);
        using var own = await ReliabilityStack.PostJsonAsync(stranger, "api/consilium", body, WithKey);
        Assert.Equal(HttpStatusCode.OK, own.StatusCode);
        Assert.NotEqual(sessionId, own.Headers.GetValues("Consilium-Session").Single());
        await SseClient.ReadToEndAsync(own, Ct);
    }

    [Fact]
    public async Task AskCouncil_SameIdempotencyKeyAtOnceOnBothReplicas_StartsOneCouncilThatEveryRequestStreams()
    {
        var key = Guid.NewGuid().ToString();
        var body = new { message = "[[sim ttft=100 rate=400 tokens=30]] Should we bid for the canal-side mill today?", agents = new[] { "chen" }, synthesis = false };
        var before = await stack.SimulatorRequestsAsync("chen");
        // A client that timed out and retried at once, several times, on both replicas: the requests race for the key.
        // (Each from its own address: this stack allows one open council stream per address.)
        var clients = Enumerable.Range(0, 6).Select(i => stack.OrchestratorClient(i % 2 + 1, ReliabilityStack.NewClient())).ToArray();
        using var start = new Barrier(clients.Length);
        var requests = clients.Select((http, i) => Task.Run(async () =>
        {
            start.SignalAndWait(Ct);
            using var response = await ReliabilityStack.PostJsonAsync(http, "api/consilium", body,
                request => request.Headers.TryAddWithoutValidation("Idempotency-Key", key));
            Assert.True(response.StatusCode == HttpStatusCode.OK,
                $"Request {i}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync(Ct)}");
            var transcript = await SseClient.ReadToEndAsync(response, Ct);
            Assert.True(transcript.Terminal?.EventType == "done", transcript.ToString());
            return response.Headers.GetValues("Consilium-Session").Single();
        }, Ct)).ToArray();
        var sessions = await Task.WhenAll(requests);
        Array.ForEach(clients, http => http.Dispose());

        Assert.Single(sessions.Distinct());
        Assert.Equal(before + 1, await stack.SimulatorRequestsAsync("chen")); // one council paid for, not six
    }

    [Fact]
    public async Task Agent_FirstModelKeepsFailing_CircuitOpensSkipsItAndAProbeClosesItAgain()
    {
        using var http = stack.OrchestratorClient(1, ReliabilityStack.NewClient());
        var statuses = new List<int>();
        var firstModelCalls = new List<int>();
        for (var i = 0; i < 8; i++)
        {
            using var response = await ReliabilityStack.PostJsonAsync(http, "api/agent/webb",
                new { message = $"[[sim fault=500 model={ReliabilityStack.FirstModel} tokens=5]] Is the first model down ({i})?" });
            var transcript = await SseClient.ReadToEndAsync(response, Ct);
            Assert.True(transcript.Terminal?.EventType == "done", transcript.ToString());
            var retry = transcript.OfType("retry").Single().Json;
            Assert.Equal(ReliabilityStack.FirstModel, retry.GetProperty("model").GetString());
            Assert.Equal(ReliabilityStack.SecondModel, retry.GetProperty("nextModel").GetString());
            statuses.Add(retry.GetProperty("status").GetInt32());
            firstModelCalls.Add(await stack.SimulatorRequestsAsync("webb", ReliabilityStack.FirstModel));
        }
        // Four attempts in the window, three quarters failed, open the circuit: four failures, or three when another
        // test's successful request to this shared agent is still in the window. From then on the first model is not
        // called at all.
        var opened = statuses.IndexOf(0);
        Assert.True(opened is 3 or 4, $"statuses {string.Join(",", statuses)}");
        Assert.All(statuses.Take(opened), status => Assert.Equal(500, status));
        Assert.All(statuses.Skip(opened), status => Assert.Equal(0, status));
        Assert.Equal(firstModelCalls[opened - 1], firstModelCalls[^1]);
        Assert.Contains(stack.Lines("agent-webb"), line => line.Contains("circuit open", StringComparison.Ordinal));

        // After the break (3 s here) one request probes the first model; it answers, and the circuit closes.
        var clock = Stopwatch.StartNew();
        string? model;
        do
        {
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(30), "The circuit never let a probe through.");
            await Task.Delay(250, Ct);
            using var response = await ReliabilityStack.PostJsonAsync(http, "api/agent/webb", new { message = "[[sim tokens=5]] Is the first model back?" });
            var transcript = await SseClient.ReadToEndAsync(response, Ct);
            model = transcript.Terminal?.Json.GetProperty("model").GetString();
        }
        while (model != ReliabilityStack.FirstModel);
        // The agent's console logger writes in the background: its line may follow the answer by a moment.
        var logged = Stopwatch.StartNew();
        while (!stack.Lines("agent-webb").Any(line => line.Contains("circuit closed", StringComparison.Ordinal)) && logged.Elapsed < TimeSpan.FromSeconds(10))
        {
            await Task.Delay(100, Ct);
        }
        Assert.Contains(stack.Lines("agent-webb"), line => line.Contains("circuit closed", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("gateway")]
    [InlineData("orchestrator")]
    public async Task Request_BareLineFeeds_Is400WhileCrLfIsServed(string service)
    {
        var url = service == "gateway" ? stack.Topology.GatewayUrl : stack.Orchestrator(1);
        Assert.StartsWith("HTTP/1.1 200", await RawAsync(url, "GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"), StringComparison.Ordinal);
        Assert.StartsWith("HTTP/1.1 400", await RawAsync(url, "GET /health HTTP/1.1\nHost: x\nConnection: close\n\n"), StringComparison.Ordinal);
        Assert.StartsWith("HTTP/1.1 400", await RawAsync(url, "GET /health HTTP/1.1\r\nHost: x\nConnection: close\r\n\r\n"), StringComparison.Ordinal);
    }

    private static async Task<string> RawAsync(Uri url, string request)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(IPAddress.Loopback, url.Port, Ct);
        await socket.SendAsync(Encoding.ASCII.GetBytes(request), Ct);
        var received = new StringBuilder();
        var buffer = new byte[4096];
        int read;
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        deadline.CancelAfter(TimeSpan.FromSeconds(20));
        while ((read = await socket.ReceiveAsync(buffer, deadline.Token)) > 0)
        {
            received.Append(Encoding.ASCII.GetString(buffer, 0, read));
        }
        return received.ToString();
    }
}
