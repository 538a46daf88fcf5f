using System.Text.Json;

namespace Consilium.Streaming.Tests;

public class UsageTests
{
    [Fact]
    public void Update_MessageStartThenMessageDelta_MergesAsAnthropicSendsThem()
    {
        // message_start carries the input side (and output_tokens 1); message_delta the cumulative output.
        var start = Usage.From(Json("""{"input_tokens":25,"cache_creation_input_tokens":2100,"cache_read_input_tokens":0,"output_tokens":1}"""));

        var end = start.Update(Json("""{"output_tokens":15}"""));

        Assert.Equal(new Usage { InputTokens = 25, OutputTokens = 15, CacheCreationInputTokens = 2100, CacheReadInputTokens = 0 }, end);
    }

    [Fact]
    public void Update_CumulativeDeltas_LastValueReplacesNotAdds()
    {
        var usage = Usage.From(Json("""{"input_tokens":10,"output_tokens":1}"""))
            .Update(Json("""{"output_tokens":7}"""))
            .Update(Json("""{"input_tokens":10,"cache_read_input_tokens":2100,"output_tokens":12}"""));

        Assert.Equal(new Usage { InputTokens = 10, OutputTokens = 12, CacheReadInputTokens = 2100 }, usage);
    }

    [Theory]
    [InlineData("""{"input_tokens":null,"output_tokens":"9","cache_creation_input_tokens":1.5}""")]
    [InlineData("""{}""")]
    [InlineData("""null""")]
    [InlineData("""[1]""")]
    public void Update_AbsentOrUnusableFields_KeepEarlierValues(string later)
    {
        var earlier = new Usage { InputTokens = 25, OutputTokens = 3, CacheCreationInputTokens = 2100, CacheReadInputTokens = 4 };

        Assert.Equal(earlier, earlier.Update(Json(later)));
    }

    [Fact]
    public void Addition_TwoMessages_SumsEveryField()
    {
        var sum = new Usage { InputTokens = 1, OutputTokens = 2, CacheCreationInputTokens = 3, CacheReadInputTokens = 4 }
            + new Usage { InputTokens = 10, OutputTokens = 20, CacheCreationInputTokens = 30, CacheReadInputTokens = 40 };

        Assert.Equal(new Usage { InputTokens = 11, OutputTokens = 22, CacheCreationInputTokens = 33, CacheReadInputTokens = 44 }, sum);
    }

    [Fact]
    public void Serialize_AnyOptions_UsesAnthropicFieldNames()
    {
        var json = JsonSerializer.Serialize(new Usage { InputTokens = 1, OutputTokens = 2, CacheCreationInputTokens = 3, CacheReadInputTokens = 4 }, StreamEvents.Json);

        Assert.Equal("""{"input_tokens":1,"output_tokens":2,"cache_creation_input_tokens":3,"cache_read_input_tokens":4}""", json);
    }

    private static JsonElement Json(string json)
    {
        using var document = JsonDocument.Parse(json);
        return document.RootElement.Clone();
    }
}
