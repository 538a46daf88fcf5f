using System.Text.Json;
using Consilium.Agent.Options;
using Consilium.Agent.Personas;
using Consilium.Agent.Upstream;
using Consilium.Anthropic;
using Consilium.Contracts;
using Consilium.Council.Conversations;

namespace Consilium.Agent.Tests.Upstream;

/// <summary>The request body on the wire (docs/api.md#agent--model).</summary>
public sealed class AnthropicRequestBuilderTests
{
    private static readonly Persona Persona = PersonaCatalog.Find("webb") ?? new Persona("webb", "Council seat: webb\n");

    [Fact]
    public void Build_Question_SendsTheFingerprintAsOneCacheableSystemBlockAndStreams()
    {
        var json = Serialize(Builder(maxTokens: 700).Build("claude-x", Persona, new AskRequest("Build or wait?", null)));

        Assert.Equal("claude-x", json.GetProperty("model").GetString());
        Assert.Equal(700, json.GetProperty("max_tokens").GetInt32());
        Assert.True(json.GetProperty("stream").GetBoolean());
        var system = Assert.Single(json.GetProperty("system").EnumerateArray());
        Assert.Equal("text", system.GetProperty("type").GetString());
        Assert.Equal("ephemeral", system.GetProperty("cache_control").GetProperty("type").GetString());
        Assert.Equal(Persona.SystemPrompt, system.GetProperty("text").GetString());
        Assert.Contains("Council seat: webb", system.GetProperty("text").GetString(), StringComparison.Ordinal);
        var message = Assert.Single(json.GetProperty("messages").EnumerateArray());
        Assert.Equal("user", message.GetProperty("role").GetString());
        Assert.Equal("Build or wait?", message.GetProperty("content").GetString());
        Assert.False(json.TryGetProperty("metadata", out _));
    }

    [Fact]
    public void Build_WithSession_SendsItAsMetadataUserId()
    {
        var json = Serialize(Builder().Build("claude-x", Persona, new AskRequest("Build or wait?", "session-42")));

        Assert.Equal("session-42", json.GetProperty("metadata").GetProperty("user_id").GetString());
    }

    [Fact]
    public void Build_WithThread_SendsRealTurnsWithBreakpointsOnThisAndThePreviousRoundsPrefix()
    {
        ThreadTurn[] history =
        [
            new("user", "Build or wait?"), new("assistant", "Wait."),
            new("user", "And the cost?"), new("assistant", "High."),
        ];

        var json = Serialize(Builder().Build("claude-x", Persona, new AskRequest("Who pays?", null, history)));

        var messages = json.GetProperty("messages").EnumerateArray().ToList();
        Assert.Equal(["user", "assistant", "user", "assistant", "user"], messages.Select(m => m.GetProperty("role").GetString()));
        Assert.Equal("Build or wait?", messages[0].GetProperty("content").GetString());
        Assert.Equal("And the cost?", messages[2].GetProperty("content").GetString());
        Assert.Equal("Who pays?", messages[4].GetProperty("content").GetString());
        foreach (var (index, text) in new[] { (1, "Wait."), (3, "High.") })
        {
            var block = Assert.Single(messages[index].GetProperty("content").EnumerateArray());
            Assert.Equal("text", block.GetProperty("type").GetString());
            Assert.Equal(text, block.GetProperty("text").GetString());
            Assert.Equal("ephemeral", block.GetProperty("cache_control").GetProperty("type").GetString());
        }
    }

    private static AnthropicRequestBuilder Builder(int maxTokens = 1024) =>
        new(Microsoft.Extensions.Options.Options.Create(new UpstreamOptions { MaxTokens = maxTokens }));

    private static JsonElement Serialize(MessagesRequest request) =>
        JsonSerializer.SerializeToElement(request);
}
