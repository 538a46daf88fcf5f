using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Consilium.Streaming;
using Consilium.Testing;

namespace Consilium.Orchestrator.Tests;

public sealed class PassthroughTests(CouncilFixture council)
{
    private const string Question = "Should we convert a 1980s suburban office park into build-to-rent housing?";

    [Fact]
    public async Task PostAgent_LiveAgent_ForwardsTheAgentsStreamVerbatimEndingWithDone()
    {
        var ct = Deadline(TimeSpan.FromSeconds(30));
        using var client = council.CreateClient();

        using var response = await SseClient.PostAsync(client, "/api/agent/vasquez", new { message = Question }, ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(SseNames.ContentType, response.Content.Headers.ContentType?.MediaType);
        var transcript = await SseClient.ReadToEndAsync(response, ct);

        // The same question straight to the agent: the simulator is deterministic, so the text events match.
        using var agent = ProcessTopology.CreateClient(council.AgentUrls["vasquez"], CouncilFixture.InternalKey);
        using var direct = await SseClient.PostAsync(agent, "/v1/ask", new { message = Question }, ct);
        var expected = await SseClient.ReadToEndAsync(direct, ct);

        Assert.Equal(expected.Types, transcript.Types);
        Assert.Equal(expected.TextEvents.Select(e => e.Data), transcript.TextEvents.Select(e => e.Data));
        Assert.Equal("message_start", transcript.Types[0]);
        Assert.Contains("message_stop", transcript.Types);
        Assert.Equal(SseNames.Done, transcript.Terminal?.EventType);
        Assert.Single(transcript.Events, e => e.IsTerminal);
        Assert.Contains("<stance>", transcript.Text);
        Assert.True(transcript.Terminal!.Json.GetProperty("usage").GetProperty("output_tokens").GetInt64() > 0, transcript.ToString());
    }

    [Fact]
    public async Task PostAgent_UnreachableAgent_EndsWithErrorUnavailable()
    {
        var ct = Deadline(TimeSpan.FromSeconds(30));
        using var client = council.CreateClient();

        using var response = await SseClient.PostAsync(client, "/api/agent/okafor", new { message = Question }, ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var transcript = await SseClient.ReadToEndAsync(response, ct);

        var error = Assert.Single(transcript.Events);
        Assert.Equal(SseNames.Error, error.EventType);
        Assert.Equal(ErrorCodes.Unavailable, error.Json.GetProperty("code").GetString());
    }

    [Fact]
    public async Task PostAgent_ModelThinking_SendsPingCommentsWhileIdle()
    {
        var ct = Deadline(TimeSpan.FromSeconds(30));
        using var client = council.CreateClient();
        var thinking = CouncilFixture.Heartbeat * 6;

        using var response = await SseClient.PostAsync(
            client, "/api/agent/vasquez", new { message = $"{Question} [[sim ttft={thinking.TotalMilliseconds:0}]]" }, ct);
        await using var body = await response.Content.ReadAsStreamAsync(ct);
        using var reader = new StreamReader(body);

        // Read the raw stream (parsers drop comments) up to the first text delta.
        var pings = 0;
        while (await reader.ReadLineAsync(ct) is { } line && line != "event: content_block_delta")
        {
            pings += line == ": ping" ? 1 : 0;
        }
        Assert.True(pings >= 2, $"expected ': ping' comments during {thinking.TotalMilliseconds} ms of silence with a {CouncilFixture.Heartbeat.TotalMilliseconds} ms heartbeat; saw {pings}");
    }

    [Fact]
    public async Task PostAgent_ClientDisconnects_CancelsTheAgentsModelCallWithinOneSecond()
    {
        var ct = Deadline(TimeSpan.FromSeconds(30));
        using var client = council.CreateClient();
        using var simulator = council.CreateSimulatorClient();

        // A long, slow answer (20 tokens per second for 400 tokens) from the seat only this test uses.
        var response = await SseClient.PostAsync(
            client, "/api/agent/chen", new { message = $"{Question} [[sim rate=20 tokens=400]]" }, ct);
        var events = SseClient.ReadEventsAsync(response, ct).GetAsyncEnumerator(ct);
        while (await events.MoveNextAsync() && events.Current.Text is null)
        {
        }
        Assert.NotNull(events.Current.Text);
        Assert.Equal(1, await RunningChenRequestsAsync(simulator, ct));

        // Closing the body mid-stream closes the connection (the client does not drain it).
        var disconnected = TimeProvider.System.GetTimestamp();
        await events.DisposeAsync();
        response.Dispose();

        while (await RunningChenRequestsAsync(simulator, ct) > 0)
        {
            Assert.True(TimeProvider.System.GetElapsedTime(disconnected) < TimeSpan.FromSeconds(5), "the model call was never cancelled");
            await Task.Delay(20, ct);
        }
        var elapsed = TimeProvider.System.GetElapsedTime(disconnected);
        TestContext.Current.TestOutputHelper?.WriteLine($"model call cancelled {elapsed.TotalMilliseconds:0} ms after the client disconnected");
        var requests = await simulator.GetFromJsonAsync<JsonElement>("/sim/requests", ct);
        var chen = requests.EnumerateArray().Last(r => r.GetProperty("seat").GetString() == "chen");
        Assert.Equal("cancelled", chen.GetProperty("outcome").GetString());
        Assert.True(elapsed < TimeSpan.FromSeconds(1), $"the model call ended {elapsed.TotalMilliseconds:0} ms after the client left");
    }

    /// <summary>Model calls for the <c>chen</c> seat that the simulator is still answering.</summary>
    private static async Task<int> RunningChenRequestsAsync(HttpClient simulator, CancellationToken cancellationToken)
    {
        var requests = await simulator.GetFromJsonAsync<JsonElement>("/sim/requests", cancellationToken);
        return requests.EnumerateArray().Count(r =>
            r.GetProperty("seat").GetString() == "chen" && r.GetProperty("outcome").ValueKind == JsonValueKind.Null);
    }

    private static CancellationToken Deadline(TimeSpan limit)
    {
        var source = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        source.CancelAfter(limit);
        return source.Token;
    }
}
