using System.Text;

namespace Consilium.Streaming.Tests;

/// <summary>The cheap reading agrees with the full one on every shape the full one is tested with.</summary>
public class AnthropicEventKindTests
{
    public static TheoryData<string?, string> Events => new()
    {
        { AnthropicEventNames.MessageStart, """{"type":"message_start","message":{"id":"msg_01","type":"message","role":"assistant","content":[],"model":"m","usage":{"input_tokens":25}}}""" },
        { AnthropicEventNames.ContentBlockDelta, """{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Cap rates é \"quoted\"\n"}}""" },
        { AnthropicEventNames.ContentBlockDelta, """{"index":0,"delta":{"text":"order","type":"text_delta"},"type":"content_block_delta"}""" },
        { AnthropicEventNames.ContentBlockDelta, """{"type":"content_block_delta","index":0,"delta":{"type":"text_delta"}}""" },
        { AnthropicEventNames.ContentBlockDelta, """{"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":"{\"a\": 1"}}""" },
        { AnthropicEventNames.ContentBlockDelta, """{"type":"content_block_delta","delta":{"type":7,"text":"x"}}""" },
        { AnthropicEventNames.MessageDelta, """{"type":"message_delta","delta":{"stop_reason":"end_turn","stop_sequence":null},"usage":{"output_tokens":15}}""" },
        { AnthropicEventNames.Error, """{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}""" },
        { AnthropicEventNames.Ping, """{"type": "ping"}""" },
        { AnthropicEventNames.MessageStop, """{"type":"message_stop"}""" },
        { AnthropicEventNames.ContentBlockStart, """{"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}""" },
        { "message", """{"type":"content_block_delta","delta":{"type":"text_delta","text":"x"}}""" },
        { "message", """{"type":"something_new","delta":{"type":"text_delta","text":"x"}}""" },
        { AnthropicEventNames.MessageStart, "not json" },
        { null, "[DONE]" },
        { AnthropicEventNames.Error, "" },
        { AnthropicEventNames.MessageStart, "[1, 2]" },
        { AnthropicEventNames.ContentBlockDelta, "\"text\"" },
        { AnthropicEventNames.MessageDelta, "42" },
        { AnthropicEventNames.ContentBlockDelta, """{"type":"content_block_delta","delta":"text"}""" },
        { AnthropicEventNames.MessageStart, """{"type":7,"message":[]}""" },
        { AnthropicEventNames.ContentBlockDelta, """{"type":"content_block_delta","delta":{"type":"text_delta","text":"x"}""" },
        { AnthropicEventNames.ContentBlockDelta, """{"type":"content_block_delta","delta":{"type":"text_delta","text":"x"}} trailing""" },
    };

    [Theory]
    [MemberData(nameof(Events))]
    public void Scan_AnyData_AgreesWithParse(string? eventType, string data)
    {
        var full = AnthropicStreamEvent.Parse(eventType, data);

        var kind = AnthropicEventKind.Scan(eventType, Encoding.UTF8.GetBytes(data));

        Assert.Equal((full.Type, full.IsTextDelta), (kind.Type, kind.IsTextDelta));
    }

    [Theory]
    [InlineData(AnthropicEventNames.MessageStart, true)]
    [InlineData(AnthropicEventNames.MessageDelta, true)]
    [InlineData(AnthropicEventNames.Error, true)]
    [InlineData(AnthropicEventNames.ContentBlockDelta, false)]
    [InlineData(AnthropicEventNames.Ping, false)]
    public void NeedsFullParse_EventsWithUsageOrError_AreDecoded(string type, bool expected) =>
        Assert.Equal(expected, new AnthropicEventKind(type, false).NeedsFullParse);
}
