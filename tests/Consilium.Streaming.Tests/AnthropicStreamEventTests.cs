using System.Text.Json;

namespace Consilium.Streaming.Tests;

/// <summary>Events shaped as the Anthropic Messages API streams them.</summary>
public class AnthropicStreamEventTests
{
    [Fact]
    public void Parse_MessageStart_ReadsModelAndUsage()
    {
        var parsed = AnthropicStreamEvent.Parse(AnthropicEventNames.MessageStart,
            """{"type":"message_start","message":{"id":"msg_01","type":"message","role":"assistant","content":[],"model":"claude-sonnet-4-20250514","stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":25,"cache_creation_input_tokens":2100,"cache_read_input_tokens":0,"output_tokens":1}}}""");

        Assert.Equal(AnthropicEventNames.MessageStart, parsed.Type);
        Assert.Equal("claude-sonnet-4-20250514", parsed.Model);
        Assert.False(parsed.IsTextDelta);
        Assert.NotNull(parsed.Usage);
        Assert.Equal(2100, parsed.Usage.Value.GetProperty("cache_creation_input_tokens").GetInt64());
    }

    [Fact]
    public void Parse_TextDelta_ReadsText()
    {
        var parsed = AnthropicStreamEvent.Parse(AnthropicEventNames.ContentBlockDelta,
            """{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Cap rates é \"quoted\"\n"}}""");

        Assert.Equal(AnthropicEventNames.ContentBlockDelta, parsed.Type);
        Assert.True(parsed.IsTextDelta);
        Assert.Equal("Cap rates é \"quoted\"\n", parsed.Text);
    }

    [Fact]
    public void Parse_InputJsonDelta_IsNotText()
    {
        var parsed = AnthropicStreamEvent.Parse(AnthropicEventNames.ContentBlockDelta,
            """{"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":"{\"location\": \"San Fra"}}""");

        Assert.Equal(AnthropicEventNames.ContentBlockDelta, parsed.Type);
        Assert.False(parsed.IsTextDelta);
        Assert.Null(parsed.Text);
    }

    [Fact]
    public void Parse_MessageDelta_ReadsStopReasonAndUsage()
    {
        var parsed = AnthropicStreamEvent.Parse(AnthropicEventNames.MessageDelta,
            """{"type":"message_delta","delta":{"stop_reason":"end_turn","stop_sequence":null},"usage":{"output_tokens":15}}""");

        Assert.Equal(AnthropicEventNames.MessageDelta, parsed.Type);
        Assert.Equal("end_turn", parsed.StopReason);
        Assert.Equal(15, parsed.Usage!.Value.GetProperty("output_tokens").GetInt64());
    }

    [Fact]
    public void Parse_Error_ReadsTypeAndMessage()
    {
        var parsed = AnthropicStreamEvent.Parse(AnthropicEventNames.Error,
            """{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}""");

        Assert.Equal(AnthropicEventNames.Error, parsed.Type);
        Assert.Equal("overloaded_error", parsed.ErrorType);
        Assert.Equal("Overloaded", parsed.ErrorMessage);
    }

    [Fact]
    public void Parse_ErrorWithoutDetails_DefaultsToApiError()
    {
        var parsed = AnthropicStreamEvent.Parse(AnthropicEventNames.Error, """{"type":"error","error":{}}""");

        Assert.Equal(("api_error", ""), (parsed.ErrorType, parsed.ErrorMessage));
    }

    [Theory]
    [InlineData(AnthropicEventNames.Ping, """{"type": "ping"}""")]
    [InlineData(AnthropicEventNames.MessageStop, """{"type":"message_stop"}""")]
    [InlineData(AnthropicEventNames.ContentBlockStart, """{"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}""")]
    [InlineData(AnthropicEventNames.ContentBlockStop, """{"type":"content_block_stop","index":0}""")]
    public void Parse_OtherEvents_ReadTheirTypeOnly(string eventType, string data)
    {
        var parsed = AnthropicStreamEvent.Parse(eventType, data);

        Assert.Equal(new AnthropicStreamEvent(eventType, null, null, null, null, null, null), parsed);
    }

    [Fact]
    public void Parse_JsonTypeDiffersFromEventName_JsonTypeWins()
    {
        var parsed = AnthropicStreamEvent.Parse("message", """{"type":"content_block_delta","delta":{"type":"text_delta","text":"x"}}""");

        Assert.Equal((AnthropicEventNames.ContentBlockDelta, "x"), (parsed.Type, parsed.Text));
    }

    [Theory]
    [InlineData(AnthropicEventNames.MessageStart, "not json", AnthropicEventNames.MessageStart)]
    [InlineData(null, "[DONE]", "message")]
    [InlineData(AnthropicEventNames.Error, "", AnthropicEventNames.Error)]
    [InlineData(AnthropicEventNames.MessageStart, "[1, 2]", AnthropicEventNames.MessageStart)]
    [InlineData(AnthropicEventNames.ContentBlockDelta, "\"text\"", AnthropicEventNames.ContentBlockDelta)]
    [InlineData(AnthropicEventNames.MessageDelta, "42", AnthropicEventNames.MessageDelta)]
    [InlineData(AnthropicEventNames.ContentBlockDelta, """{"type":"content_block_delta","delta":"text"}""", AnthropicEventNames.ContentBlockDelta)]
    [InlineData(AnthropicEventNames.MessageStart, """{"type":7,"message":[]}""", AnthropicEventNames.MessageStart)]
    public void Parse_DataThatIsNotTheExpectedObject_ReadsTypeOnlyAndNeverThrows(string? eventType, string data, string expectedType)
    {
        var parsed = AnthropicStreamEvent.Parse(eventType, data);

        Assert.Equal(new AnthropicStreamEvent(expectedType, null, null, null, null, null, null), parsed);
    }

    [Fact]
    public void Parse_Usage_OutlivesTheDocument()
    {
        var parsed = AnthropicStreamEvent.Parse(AnthropicEventNames.MessageDelta, """{"type":"message_delta","delta":{},"usage":{"output_tokens":3}}""");

        // The JsonDocument it was read from is disposed; a clone stays readable.
        Assert.Equal(JsonValueKind.Object, parsed.Usage!.Value.ValueKind);
        Assert.Equal(3, Usage.From(parsed.Usage.Value).OutputTokens);
    }
}
