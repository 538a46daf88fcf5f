using Consilium.Agent.Tests.Hosting;
using Consilium.Streaming;
using Consilium.Testing;

namespace Consilium.Agent.Tests.Api;

/// <summary>Deadlines end the stream with <c>error</c> code <c>timeout</c> and cancel the model call; so does a client leaving.</summary>
public sealed class AskTimeoutTests(SimulatorHost simulator)
{
    private static readonly TimeSpan CancelSeenWithin = TimeSpan.FromSeconds(1);

    [Fact]
    public async Task Ask_ModelStallsAfterText_EndsWithIdleTimeoutAndCancelsTheCall()
    {
        using var agent = AgentHost.Start(simulator, ("AGENT_ID", "okafor"), ("AGENT_IDLE_TIMEOUT", "1"));
        var since = TimeProvider.System.GetUtcNow();

        var transcript = await agent.AskAsync("[[sim ttft=5 rate=2000 fault=stall after=3]] Should we build?");

        Assert.Equal(3, transcript.TextEvents.Count);
        var error = AskStreamTests.AssertTerminal(transcript, SseNames.Error);
        Assert.Equal(ErrorCodes.Timeout, error.GetProperty("code").GetString());
        Assert.Contains("AGENT_IDLE_TIMEOUT", error.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.True(transcript.Terminal!.Arrived < TimeSpan.FromSeconds(5), transcript.ToString());
        await simulator.WaitForRequestAsync("okafor", since, SimulatorHost.IsEnded, TestContext.Current.CancellationToken);
    }

    [Fact]
    public async Task Ask_NoTextBeforeFirstTokenTimeout_EndsWithTimeoutAndCancelsTheCall()
    {
        using var agent = AgentHost.Start(simulator, ("AGENT_ID", "nakamura"), ("AGENT_FIRST_TOKEN_TIMEOUT", "1.5"));
        var since = TimeProvider.System.GetUtcNow();

        var transcript = await agent.AskAsync("[[sim ttft=10000]] Should we build?");

        Assert.Empty(transcript.TextEvents);
        Assert.Empty(transcript.OfType(SseNames.Retry));
        var error = AskStreamTests.AssertTerminal(transcript, SseNames.Error);
        Assert.Equal(ErrorCodes.Timeout, error.GetProperty("code").GetString());
        Assert.Contains("AGENT_FIRST_TOKEN_TIMEOUT", error.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.True(transcript.Terminal!.Arrived < TimeSpan.FromSeconds(5), transcript.ToString());
        await simulator.WaitForRequestAsync("nakamura", since, SimulatorHost.IsCancelled, TestContext.Current.CancellationToken);
    }

    [Fact]
    public async Task Ask_AnswerOutlastsTotalTimeout_EndsWithTimeoutAfterText()
    {
        using var agent = AgentHost.Start(simulator, ("AGENT_TOTAL_TIMEOUT", "1.5"));

        var transcript = await agent.AskAsync("[[sim ttft=5 rate=20 tokens=400]] Should we build?");

        Assert.NotEmpty(transcript.TextEvents);
        var error = AskStreamTests.AssertTerminal(transcript, SseNames.Error);
        Assert.Equal(ErrorCodes.Timeout, error.GetProperty("code").GetString());
        Assert.Contains("AGENT_TOTAL_TIMEOUT", error.GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Ask_ClientDisconnects_SimulatorSeesTheCallCancelledWithinOneSecond()
    {
        using var agent = AgentHost.Start(simulator, ("AGENT_ID", "harlow"));
        var since = TimeProvider.System.GetUtcNow();
        var cancellationToken = TestContext.Current.CancellationToken;

        // A client that leaves: its connection closes at once (HttpClient would otherwise read on to reuse it).
        using var client = new HttpClient(new SocketsHttpHandler { MaxResponseDrainSize = 0 }) { BaseAddress = agent.Http.BaseAddress };
        using (var response = await agent.PostAskAsync("[[sim ttft=5 rate=20 tokens=400]] Should we build?", client: client))
        {
            var texts = 0;
            await foreach (var item in SseClient.ReadEventsAsync(response, cancellationToken))
            {
                if (item.Text is not null && ++texts == 2)
                {
                    break;
                }
            }
        }
        var left = TimeProvider.System.GetTimestamp();

        var entry = await simulator.WaitForRequestAsync("harlow", since, SimulatorHost.IsCancelled, cancellationToken, CancelSeenWithin);
        Assert.True(entry.GetProperty("deltas").GetInt32() < 400, entry.ToString());
        Assert.True(TimeProvider.System.GetElapsedTime(left) <= CancelSeenWithin);
    }
}
