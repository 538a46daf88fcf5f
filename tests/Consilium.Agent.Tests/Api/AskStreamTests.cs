using System.Text.Json;
using System.Text.RegularExpressions;
using Consilium.Agent.Options;
using Consilium.Agent.Personas;
using Consilium.Agent.Tests.Hosting;
using Consilium.Agent.Upstream;
using Consilium.Anthropic;
using Consilium.Contracts;
using Consilium.Council;
using Consilium.Streaming;
using Consilium.Testing;

namespace Consilium.Agent.Tests.Api;

/// <summary>The agent's stream against the real simulator: verbatim forwarding, fallbacks and failures (docs/api.md#public-api, docs/api.md#agent-service-internal).</summary>
public sealed partial class AskStreamTests(SimulatorHost simulator, AgentFixture fixture) : IClassFixture<AgentFixture>
{
    private const string Fast = "[[sim ttft=5 rate=2000 tokens=40]]";

    private readonly AgentHost _agent = fixture.Agent;

    [Fact]
    public async Task Ask_SimulatorAnswers_ForwardsEveryUpstreamEventVerbatimThenDone()
    {
        var message = $"{Fast} Should we buy the distressed office tower downtown? ({Guid.NewGuid():N})";
        // Warm the prompt cache so the agent's call and the direct call below both read it and report the same usage.
        await ReadDirectAsync(AgentHost.FirstModel, "[[sim tokens=5]] warm-up");

        var transcript = await _agent.AskAsync(message);
        var direct = await ReadDirectAsync(AgentHost.FirstModel, message);

        // Byte for byte, except the message id, which the simulator draws at random for every message.
        var forwarded = transcript.Events.SkipLast(1).Select(e => (e.EventType, WithoutMessageId(e.Data))).ToList();
        Assert.Equal(direct.Events.Select(e => (e.EventType, WithoutMessageId(e.Data))).ToList(), forwarded);
        Assert.Equal(AnthropicEventNames.MessageStop, direct.Events[^1].EventType);
        Assert.Contains(direct.Events, e => e.Text is { Length: > 0 });

        var done = AssertTerminal(transcript, SseNames.Done);
        Assert.Equal(AgentHost.FirstModel, done.GetProperty("model").GetString());
        var usage = done.GetProperty("usage");
        Assert.True(usage.GetProperty("input_tokens").GetInt64() > 0, done.ToString());
        Assert.True(usage.GetProperty("output_tokens").GetInt64() > 0, done.ToString());
        Assert.True(usage.GetProperty("cache_read_input_tokens").GetInt64() > 0, done.ToString());
        Assert.True(done.GetProperty("ttftMs").GetInt64() >= 0);
        Assert.True(done.GetProperty("durationMs").GetInt64() >= done.GetProperty("ttftMs").GetInt64());
    }

    [Fact]
    public async Task Ask_AnyQuestion_SimulatorSeesAStreamingCacheableRequestForThisSeat()
    {
        using var agent = AgentHost.Start(simulator, ("AGENT_ID", "chen"));
        var since = TimeProvider.System.GetUtcNow();

        var transcript = await agent.AskAsync($"{Fast} Is a sale-leaseback wise here?");

        AssertTerminal(transcript, SseNames.Done);
        var received = await simulator.WaitForRequestAsync("chen", since, _ => true, TestContext.Current.CancellationToken);
        Assert.Equal(AnthropicUpstream.AnthropicVersion, received.GetProperty("anthropicVersion").GetString());
        Assert.Equal(AgentHost.FirstModel, received.GetProperty("model").GetString());
        Assert.True(received.GetProperty("stream").GetBoolean());
        Assert.True(received.GetProperty("cacheControl").GetBoolean(), received.ToString());
        Assert.True(
            received.GetProperty("cacheCreationInputTokens").GetInt32() + received.GetProperty("cacheReadInputTokens").GetInt32() > 0,
            "The fingerprint should be long enough to be cached: " + received);
    }

    [Fact]
    public async Task Ask_FirstModelOverloaded_EmitsRetryThenAnswersWithTheNextModel()
    {
        var transcript = await _agent.AskAsync($"{Fast}[[sim fault=529 model={AgentHost.FirstModel}]] Should we build here?");

        var retry = Assert.Single(transcript.OfType(SseNames.Retry)).Json;
        Assert.Equal(AgentHost.FirstModel, retry.GetProperty("model").GetString());
        Assert.Equal(529, retry.GetProperty("status").GetInt32());
        Assert.Equal(AgentHost.SecondModel, retry.GetProperty("nextModel").GetString());
        Assert.Equal(SseNames.Retry, transcript.Types[0]);
        Assert.Equal(AnthropicEventNames.MessageStop, transcript.Types[^2]);
        var done = AssertTerminal(transcript, SseNames.Done);
        Assert.Equal(AgentHost.SecondModel, done.GetProperty("model").GetString());
        Assert.NotNull(Stance.TryParse(transcript.Text));
    }

    [Theory]
    [InlineData("529", ErrorCodes.Overloaded)]
    [InlineData("429", ErrorCodes.Overloaded)]
    [InlineData("500", ErrorCodes.UpstreamError)]
    public async Task Ask_EveryModelFails_RetriesOnceThenEndsWithError(string fault, string code)
    {
        var transcript = await _agent.AskAsync($"{Fast}[[sim fault={fault}]] Should we build here?");

        Assert.Equal([SseNames.Retry, SseNames.Error], transcript.Types);
        Assert.Equal(int.Parse(fault, System.Globalization.CultureInfo.InvariantCulture), transcript.Events[0].Json.GetProperty("status").GetInt32());
        Assert.Equal(code, AssertTerminal(transcript, SseNames.Error).GetProperty("code").GetString());
    }

    [Fact]
    public async Task Ask_RetryAfterWithinTheCap_WaitsItOutBeforeTheNextModel()
    {
        using var agent = AgentHost.Start(simulator, ("AGENT_RETRY_AFTER_CAP", "2"));

        var transcript = await agent.AskAsync($"{Fast}[[sim fault=429 retry-after=1 model={AgentHost.FirstModel}]] Should we build here?");

        var retry = Assert.Single(transcript.OfType(SseNames.Retry));
        var next = transcript.Events[transcript.Events.ToList().IndexOf(retry) + 1];
        Assert.True(next.Arrived - retry.Arrived >= TimeSpan.FromSeconds(0.95), transcript.ToString());
        AssertTerminal(transcript, SseNames.Done);
    }

    [Fact]
    public async Task Ask_InStreamErrorBeforeText_FallsBackToTheNextModel()
    {
        var transcript = await _agent.AskAsync($"{Fast}[[sim fault=error after=0 model={AgentHost.FirstModel}]] Should we build here?");

        var retry = Assert.Single(transcript.OfType(SseNames.Retry)).Json;
        Assert.Equal(0, retry.GetProperty("status").GetInt32());
        Assert.Equal(AgentHost.SecondModel, AssertTerminal(transcript, SseNames.Done).GetProperty("model").GetString());
    }

    [Fact]
    public async Task Ask_InStreamErrorAfterText_EndsWithErrorAndNoRetry()
    {
        var transcript = await _agent.AskAsync($"{Fast}[[sim fault=error after=5]] Should we build here?");

        Assert.Empty(transcript.OfType(SseNames.Retry));
        Assert.Equal(5, transcript.TextEvents.Count);
        Assert.Equal(ErrorCodes.Overloaded, AssertTerminal(transcript, SseNames.Error).GetProperty("code").GetString());
    }

    [Fact]
    public async Task Ask_ConnectionDroppedAfterText_EndsWithUpstreamError()
    {
        // Paced, so the deltas arrive before the reset: a reset discards whatever the agent had not read yet.
        var transcript = await _agent.AskAsync("[[sim ttft=5 rate=100 fault=drop after=5]] Should we build here?");

        Assert.Empty(transcript.OfType(SseNames.Retry));
        Assert.InRange(transcript.TextEvents.Count, 1, 5);
        Assert.Equal(ErrorCodes.UpstreamError, AssertTerminal(transcript, SseNames.Error).GetProperty("code").GetString());
    }

    [Fact]
    public async Task Ask_ConnectionDroppedBeforeText_FallsBackToTheNextModel()
    {
        var transcript = await _agent.AskAsync($"{Fast}[[sim fault=drop after=0 model={AgentHost.FirstModel}]] Should we build here?");

        Assert.Equal(0, Assert.Single(transcript.OfType(SseNames.Retry)).Json.GetProperty("status").GetInt32());
        Assert.Equal(AgentHost.SecondModel, AssertTerminal(transcript, SseNames.Done).GetProperty("model").GetString());
    }

    [Fact]
    public async Task Ask_UpstreamUnreachable_RetriesThenEndsWithUnavailable()
    {
        using var agent = AgentHost.Start(simulator, ("ANTHROPIC_BASE_URL", $"http://127.0.0.1:{Ports.GetFree()}"));

        var transcript = await agent.AskAsync("Should we build here?");

        Assert.Equal([SseNames.Retry, SseNames.Error], transcript.Types);
        Assert.Equal(0, transcript.Events[0].Json.GetProperty("status").GetInt32());
        Assert.Equal(ErrorCodes.Unavailable, AssertTerminal(transcript, SseNames.Error).GetProperty("code").GetString());
    }

    [Fact]
    public async Task Ask_SingleModelChain_FailureEndsWithErrorWithoutRetry()
    {
        using var agent = AgentHost.Start(simulator, ("CONSILIUM_MODELS", AgentHost.SecondModel));

        var transcript = await agent.AskAsync($"{Fast}[[sim fault=529]] Should we build here?");

        Assert.Equal([SseNames.Error], transcript.Types);
    }

    [Fact]
    public async Task Ask_UpstreamRejectsTheRequest_EndsWithUpstreamErrorWithoutRetry()
    {
        // 4xx other than 429 means the request itself is wrong; another model would not fix it (docs/api.md#agent-service-internal walks on 429/5xx/529).
        using var agent = AgentHost.Start(simulator, ("CONSILIUM_MODELS", $"no-such-model,{AgentHost.SecondModel}"));

        var transcript = await agent.AskAsync($"{Fast} Should we build here?");

        Assert.Equal([SseNames.Error], transcript.Types);
        var error = AssertTerminal(transcript, SseNames.Error);
        Assert.Equal(ErrorCodes.UpstreamError, error.GetProperty("code").GetString());
        Assert.Contains("404", error.GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    /// <summary>Asserts the stream ended with exactly one terminal event, of this type, and returns its data.</summary>
    internal static JsonElement AssertTerminal(SseTranscript transcript, string eventType)
    {
        Assert.True(transcript.Terminal is not null, "No terminal event:\n" + transcript);
        Assert.Single(transcript.Events, e => e.IsTerminal);
        Assert.True(transcript.Terminal.EventType == eventType, $"Expected {eventType}:\n{transcript}");
        return transcript.Terminal.Json;
    }

    private static string WithoutMessageId(string data) => MessageId().Replace(data, "\"msg_\"");

    [GeneratedRegex("\"msg_[A-Za-z0-9]+\"")]
    private static partial Regex MessageId();

    /// <summary>Sends the simulator the very request the agent sends for this message, and reads its stream.</summary>
    private async Task<SseTranscript> ReadDirectAsync(string model, string message)
    {
        var body = new AnthropicRequestBuilder(Microsoft.Extensions.Options.Options.Create(new UpstreamOptions()))
            .Build(model, PersonaCatalog.Find("vasquez")!, new AskRequest(message, null));
        var client = new AnthropicClient(simulator.Http, new AnthropicUpstream(simulator.BaseAddress, AnthropicUpstream.SimulatorApiKey, [model]));
        using var response = await client.SendAsync(body, TestContext.Current.CancellationToken);
        response.EnsureSuccessStatusCode();
        return await SseClient.ReadToEndAsync(response, TestContext.Current.CancellationToken);
    }
}
