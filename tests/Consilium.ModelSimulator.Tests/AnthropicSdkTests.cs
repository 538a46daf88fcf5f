using Anthropic;
using Anthropic.Exceptions;
using Anthropic.Models.Messages;

namespace Consilium.ModelSimulator.Tests;

/// <summary>The official Anthropic .NET SDK, pointed at the simulator, must read it like the real API.</summary>
public sealed class AnthropicSdkTests(FastSimulator simulator)
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    private AnthropicClient Client() => new()
    {
        BaseUrl = simulator.BaseAddress.ToString().TrimEnd('/'),
        ApiKey = "sk-test",
        MaxRetries = 0,
        ResponseValidation = true,
    };

    private static MessageCreateParams Params(string question = Requests.Question) => new()
    {
        Model = Requests.Model,
        MaxTokens = 1024,
        System = Requests.System("nakamura"),
        Messages = [new UserMessageParam(question)],
    };

    [Fact]
    public async Task CreateStreaming_OfficialSdk_ReadsTheSameTextAsCreate()
    {
        var client = Client();
        var streamed = new System.Text.StringBuilder();
        var types = new List<string>();
        await foreach (var streamEvent in client.Messages.CreateStreaming(Params(), Cancel))
        {
            types.Add(streamEvent.Json.GetProperty("type").GetString()!);
            if (streamEvent.TryPickContentBlockDelta(out var delta) && delta.Delta.TryPickText(out var text))
            {
                streamed.Append(text.Text);
            }
        }
        var message = await client.Messages.Create(Params(), Cancel);

        Assert.True(message.Content[0].TryPickText(out var block));
        Assert.Equal(block.Text, streamed.ToString());
        Assert.Equal("message_stop", types[^1]);
        Assert.Equal(StopReason.EndTurn, message.StopReason!.Value());
        Assert.True(message.Usage.OutputTokens > 100);
    }

    [Fact]
    public async Task Create_Injected429_SdkRateLimitException()
    {
        var error = await Assert.ThrowsAsync<AnthropicRateLimitException>(
            () => Client().Messages.Create(Params(Requests.Question + " [[sim fault=429]]"), Cancel));

        Assert.Equal(429, (int)error.StatusCode);
    }

    [Fact]
    public async Task CreateStreaming_Injected529_SdkOverloadedException()
    {
        var error = await Assert.ThrowsAsync<AnthropicOverloadedException>(async () =>
        {
            await foreach (var _ in Client().Messages.CreateStreaming(Params(Requests.Question + " [[sim fault=529]]"), Cancel))
            {
            }
        });

        Assert.Equal(529, (int)error.StatusCode);
    }

    [Fact]
    public async Task CreateStreaming_InStreamError_SdkReportsTheError()
    {
        var deltas = 0;
        var error = await Assert.ThrowsAnyAsync<AnthropicException>(async () =>
        {
            await foreach (var streamEvent in Client().Messages.CreateStreaming(Params(Requests.Question + " [[sim fault=error after=3]]"), Cancel))
            {
                deltas += streamEvent.TryPickContentBlockDelta(out _) ? 1 : 0;
            }
        });

        Assert.Equal(3, deltas);
        Assert.Contains("Overloaded", error.ToString(), StringComparison.Ordinal);
    }
}
