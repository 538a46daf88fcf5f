using Consilium.Agent.Personas;
using Consilium.Agent.Tests.Hosting;
using Consilium.Agent.Upstream;
using Consilium.Anthropic;
using Consilium.Contracts;
using Microsoft.Extensions.DependencyInjection;

namespace Consilium.Agent.Tests.Upstream;

/// <summary>The agent's model client, as the agent configures it, against the real simulator.</summary>
public sealed class ModelClientTests(SimulatorHost simulator)
{
    /// <summary>The stop's promise (docs/api.md, "Stop a council"): every model call ends within 1 s.</summary>
    private static readonly TimeSpan CancelSeenWithin = TimeSpan.FromSeconds(1);

    /// <summary>
    /// A cancellation that lands just as the model's response headers arrive is seen by the next read, which fails
    /// before it touches the connection; disposing the response must then close the connection, or the handler
    /// drains the stream for up to 2 s (its ResponseDrainTimeout) and the model keeps generating until then.
    /// </summary>
    [Fact]
    public async Task CancelledBeforeTheFirstRead_ClosesTheModelStreamAtOnceInsteadOfDrainingIt()
    {
        using var agent = AgentHost.Start(simulator, ("AGENT_ID", "mitchell"));
        var since = TimeProvider.System.GetUtcNow();
        var cancellationToken = TestContext.Current.CancellationToken;
        var client = agent.Services.GetRequiredService<AnthropicClient>();
        var persona = agent.Services.GetRequiredService<AgentPersona>().Current!;
        var body = agent.Services.GetRequiredService<AnthropicRequestBuilder>().Build(
            AgentHost.FirstModel, persona, new AskRequest("[[sim ttft=5 rate=20 tokens=400]] Should we build?", null));
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);

        using (var response = await client.SendAsync(body, stop.Token))
        {
            Assert.True(response.IsSuccessStatusCode, $"status {(int)response.StatusCode}");
            await stop.CancelAsync();
            var stream = await response.Content.ReadAsStreamAsync(CancellationToken.None);
            await Assert.ThrowsAnyAsync<OperationCanceledException>(async () => await stream.ReadAtLeastAsync(new byte[256], 1, throwOnEndOfStream: false, stop.Token));
        }
        var left = TimeProvider.System.GetTimestamp();

        var entry = await simulator.WaitForRequestAsync("mitchell", since, SimulatorHost.IsCancelled, cancellationToken, CancelSeenWithin);
        Assert.True(entry.GetProperty("deltas").GetInt32() < 400, entry.ToString());
        Assert.True(TimeProvider.System.GetElapsedTime(left) <= CancelSeenWithin, entry.ToString());
    }
}
