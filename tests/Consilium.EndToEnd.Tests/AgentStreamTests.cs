using System.Net;
using System.Text.Json;
using Consilium.Testing;

namespace Consilium.EndToEnd.Tests;

/// <summary><c>POST /api/agent/{id}</c> through the gateway, the orchestrator and an agent to the simulator, all separate processes.</summary>
[Collection(SystemCollection.Name)]
public sealed class AgentStreamTests(SystemFixture system)
{
    private readonly ProcessTopology _topology = system.Topology;

    [Fact]
    public async Task PostAgent_SlowModel_DeltasArriveIncrementally()
    {
        // The simulator keeps its average rate from the request's start, so a cold first request (JIT, a busy machine)
        // would arrive as one burst whatever the relays do: warm the path up first.
        await AskAsync("vasquez", "Warm-up. [[sim tokens=5]]");

        // About 200 tokens at 100 tokens/s: the answer takes two seconds to write, so a starved moment on a busy machine
        // (after which the simulator catches up in a burst) cannot squeeze it below the bound.
        var transcript = await AskAsync("vasquez", "Should we refinance the portfolio now? [[sim ttft=50 rate=100 tokens=200]]");

        Assert.Equal("done", transcript.Terminal?.EventType);
        var texts = transcript.TextEvents;
        Assert.True(texts.Count >= 20, $"Expected many text deltas, got {texts.Count}:\n{transcript}");
        var spread = texts[^1].Arrived - texts[0].Arrived;
        Assert.True(spread >= TimeSpan.FromMilliseconds(700),
            $"The first delta should arrive long before the last (buffering somewhere?); they were {spread.TotalMilliseconds:0} ms apart:\n{transcript}");
        TestContext.Current.TestOutputHelper?.WriteLine($"{texts.Count} deltas over {spread.TotalMilliseconds:0} ms");
        var firstHalf = texts.Count(e => e.Arrived < texts[0].Arrived + spread / 2);
        Assert.True(firstHalf >= texts.Count / 4,
            $"Deltas should arrive spread over the stream, not in a burst at the end; {firstHalf} of {texts.Count} came in the first half:\n{transcript}");
    }

    [Fact]
    public async Task PostAgent_FirstModelOverloaded_RetriesThenCompletesWithTheNextModel()
    {
        var transcript = await AskAsync("chen", "Is the office market bottoming? [[sim fault=529 model=claude-sonnet-4-20250514]]");

        var retry = Assert.Single(transcript.OfType("retry"));
        Assert.Equal("claude-sonnet-4-20250514", retry.Json.GetProperty("model").GetString());
        Assert.Equal(529, retry.Json.GetProperty("status").GetInt32());
        var nextModel = retry.Json.GetProperty("nextModel").GetString();
        Assert.Equal("claude-haiku-4-5-20251001", nextModel);
        Assert.True(transcript.Types.ToList().IndexOf("retry") < transcript.Types.ToList().IndexOf("message_start"),
            $"retry must come before the next model's stream:\n{transcript}");
        Assert.NotEmpty(transcript.Text);
        var done = transcript.Terminal;
        Assert.True(done?.EventType == "done", $"Expected the stream to end with done:\n{transcript}");
        Assert.Equal(nextModel, done.Json.GetProperty("model").GetString());
    }

    [Fact]
    public async Task PostAgent_ErrorMidStream_EndsWithErrorEvent()
    {
        var transcript = await AskAsync("webb", "What does a podium build cost now? [[sim fault=error after=5]]");

        Assert.True(transcript.Terminal?.EventType == "error", $"Expected the stream to end with an error event:\n{transcript}");
        Assert.Equal(5, transcript.TextEvents.Count);
        Assert.DoesNotContain("done", transcript.Types);
        Assert.Single(transcript.Events, e => e.IsTerminal);
        var error = transcript.Terminal.Json;
        Assert.Contains(error.GetProperty("code").GetString(), new[] { "timeout", "upstream_error", "unavailable", "overloaded" });
        Assert.False(string.IsNullOrWhiteSpace(error.GetProperty("message").GetString()));
    }

    [Fact]
    public async Task PostAgent_Answer_IsExactlyTheTextTheModelWrote()
    {
        const string message = "Would a mixed-use podium on the car park pencil out at today's rates?";

        var transcript = await AskAsync("okafor", message);

        Assert.True(transcript.Terminal?.EventType == "done", $"Expected a complete answer:\n{transcript}");
        var model = transcript.Terminal.Json.GetProperty("model").GetString()!;
        using var simulator = new SimulatorProbe(_topology);
        var written = await simulator.AnswerAsAgentAsync("okafor", model, message, TestContext.Current.CancellationToken);
        Assert.Equal(written, transcript.Text);
        Assert.Contains("<stance>", transcript.Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PostAgent_ClientDisconnects_ModelRequestCancelledWithinOneSecond()
    {
        var time = TimeProvider.System;
        var startedAt = time.GetUtcNow();
        using var client = _topology.CreateGatewayClient();
        // About 20 s of answer: it is still being written when the client goes away.
        using var response = await SseClient.PostAsync(client, "/api/agent/mitchell",
            new { message = "Which opex lines blow up first after closing? [[sim ttft=20 rate=20 tokens=400]]" }, TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var deltas = 0;
        await foreach (var item in SseClient.ReadEventsAsync(response, TestContext.Current.CancellationToken))
        {
            if (item.Text is not null && ++deltas == 3)
            {
                break;
            }
        }
        Assert.Equal(3, deltas);

        var disconnectedAt = time.GetUtcNow();
        response.Dispose(); // the client goes away mid-answer: the connection is closed, not drained
        client.Dispose();

        using var simulator = new SimulatorProbe(_topology);
        var record = await PollAsync(async () =>
            (await simulator.RequestsAsync(TestContext.Current.CancellationToken))
                .Where(r => r.GetProperty("seat").GetString() == "mitchell"
                    && r.GetProperty("startedAt").GetDateTimeOffset() >= startedAt
                    && r.GetProperty("outcome").ValueKind == JsonValueKind.String)
                .Select(r => (JsonElement?)r)
                .LastOrDefault(),
            TimeSpan.FromSeconds(5));
        Assert.True(record.HasValue, $"The simulator never saw the request end:\n{_topology.Logs("model-simulator", "agent-mitchell")}");
        Assert.Equal("cancelled", record.Value.GetProperty("outcome").GetString());
        var lag = record.Value.GetProperty("endedAt").GetDateTimeOffset() - disconnectedAt;
        TestContext.Current.TestOutputHelper?.WriteLine($"model request cancelled {lag.TotalMilliseconds:0} ms after the client left");
        Assert.True(lag <= TimeSpan.FromSeconds(1), $"The model request was cancelled {lag.TotalMilliseconds:0} ms after the client left.");
    }

    /// <summary>Polls until <paramref name="probe"/> returns a value or the deadline passes.</summary>
    private static async Task<JsonElement?> PollAsync(Func<Task<JsonElement?>> probe, TimeSpan deadline)
    {
        var time = TimeProvider.System;
        var start = time.GetTimestamp();
        while (true)
        {
            if (await probe() is { } found)
            {
                return found;
            }
            if (time.GetElapsedTime(start) > deadline)
            {
                return null;
            }
            await Task.Delay(TimeSpan.FromMilliseconds(50), TestContext.Current.CancellationToken);
        }
    }

    private async Task<SseTranscript> AskAsync(string agentId, string message)
    {
        using var client = _topology.CreateGatewayClient();
        using var response = await SseClient.PostAsync(client, $"/api/agent/{agentId}", new { message }, TestContext.Current.CancellationToken);
        if (response.StatusCode != HttpStatusCode.OK)
        {
            var body = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
            Assert.Fail($"POST /api/agent/{agentId} answered {(int)response.StatusCode}: {body}");
        }
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        return await SseClient.ReadToEndAsync(response, TestContext.Current.CancellationToken);
    }
}
