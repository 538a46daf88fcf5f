using System.Net;
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
        // About 200 tokens at 150 tokens/s: the answer takes over a second to write.
        var transcript = await AskAsync("vasquez", "Should we refinance the portfolio now? [[sim ttft=50 rate=150 tokens=200]]");

        Assert.Equal("done", transcript.Terminal?.EventType);
        var texts = transcript.TextEvents;
        Assert.True(texts.Count >= 20, $"Expected many text deltas, got {texts.Count}:\n{transcript}");
        var spread = texts[^1].Arrived - texts[0].Arrived;
        Assert.True(spread >= TimeSpan.FromMilliseconds(700),
            $"The first delta should arrive long before the last (buffering somewhere?); they were {spread.TotalMilliseconds:0} ms apart:\n{transcript}");
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

    private async Task<SseTranscript> AskAsync(string agentId, string message)
    {
        using var client = _topology.CreateGatewayClient();
        using var response = await SseClient.PostAsync(client, $"/api/agent/{agentId}", new { message }, TestContext.Current.CancellationToken);
        Assert.True(response.StatusCode == HttpStatusCode.OK,
            $"POST /api/agent/{agentId} answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken)}");
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        return await SseClient.ReadToEndAsync(response, TestContext.Current.CancellationToken);
    }
}
