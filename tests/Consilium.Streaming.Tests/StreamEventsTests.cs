using System.Text.Json;

namespace Consilium.Streaming.Tests;

/// <summary>The JSON of Consilium's own events, exactly as docs/api.md#public-api gives them.</summary>
public class StreamEventsTests
{
    [Fact]
    public void Retry_ModelStatusNext_WritesContractShape()
    {
        var item = StreamEvents.Retry("claude-sonnet-4-20250514", 529, "claude-haiku-4-5-20251001");

        Assert.Equal(SseNames.Retry, item.EventType);
        Assert.Equal("""{"model":"claude-sonnet-4-20250514","status":529,"nextModel":"claude-haiku-4-5-20251001"}""", item.Data);
    }

    [Fact]
    public void Error_CodeAndMessage_WritesContractShape()
    {
        var item = StreamEvents.Error(ErrorCodes.Overloaded, "Every model in the chain is overloaded.");

        Assert.Equal(SseNames.Error, item.EventType);
        Assert.Equal("""{"code":"overloaded","message":"Every model in the chain is overloaded."}""", item.Data);
    }

    [Fact]
    public void Done_ModelUsageAndTimes_WritesContractShape()
    {
        var usage = new Usage { InputTokens = 25, OutputTokens = 260, CacheCreationInputTokens = 2100, CacheReadInputTokens = 0 };

        var item = StreamEvents.Done("claude-sonnet-4-20250514", usage, 412, 4630);

        Assert.Equal(SseNames.Done, item.EventType);
        Assert.Equal(
            """{"model":"claude-sonnet-4-20250514","usage":{"input_tokens":25,"output_tokens":260,"cache_creation_input_tokens":2100,"cache_read_input_tokens":0},"ttftMs":412,"durationMs":4630}""",
            item.Data);
    }

    [Fact]
    public void Done_NoFirstToken_WritesNullTtft()
    {
        var item = StreamEvents.Done("m", Usage.Zero, null, 7);

        Assert.Contains("\"ttftMs\":null,", item.Data, StringComparison.Ordinal);
    }

    [Fact]
    public void Names_EventsAndCodes_AreTheContractNames()
    {
        Assert.Equal(["retry", "error", "done"], [SseNames.Retry, SseNames.Error, SseNames.Done]);
        Assert.Equal(["timeout", "upstream_error", "unavailable", "overloaded"], [ErrorCodes.Timeout, ErrorCodes.UpstreamError, ErrorCodes.Unavailable, ErrorCodes.Overloaded]);
    }

    [Fact]
    public void Create_TextWithNonAsciiAndLineBreaks_KeepsTextReadableAndDataOnOneLine()
    {
        var item = StreamEvents.Create("delta", new { agent = "chen", text = "é 中 <stance>{\"position\": 1}</stance>\r\nnext\0" });

        Assert.Equal("""{"agent":"chen","text":"é 中 <stance>{\"position\": 1}</stance>\r\nnext\u0000"}""", item.Data);
        Assert.DoesNotContain('\n', item.Data);
        Assert.DoesNotContain('\r', item.Data);
    }

    [Fact]
    public void Json_SharedOptions_CannotBeChanged()
    {
        Assert.True(StreamEvents.Json.IsReadOnly);
        Assert.Throws<InvalidOperationException>(() => StreamEvents.Json.PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower);
    }
}
