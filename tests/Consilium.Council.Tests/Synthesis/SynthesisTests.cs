using Consilium.Council.Synthesis;

namespace Consilium.Council.Tests.Synthesis;

public class SynthesisTests
{
    private static readonly string[] Known = ["vasquez", "webb", "chen", "cross"];

    [Fact]
    public void TryParse_ValidAnswer_ReadsAxesAndSynthesis()
    {
        var result = SynthesisResult.TryParse(
            """{"axes":[{"topic":"financing","for":["vasquez","chen"],"against":["cross"],"crux":"Whether rates fall."}],"synthesis":"Proceed carefully."}""",
            Known);

        Assert.NotNull(result);
        var axis = Assert.Single(result.Axes);
        Assert.Equal("financing", axis.Topic);
        Assert.Equal(["vasquez", "chen"], axis.For);
        Assert.Equal(["cross"], axis.Against);
        Assert.Equal("Whether rates fall.", axis.Crux);
        Assert.Equal("Proceed carefully.", result.Synthesis);
    }

    [Fact]
    public void TryParse_CodeFenceAroundJson_IsAccepted()
    {
        var result = SynthesisResult.TryParse("```json\n{\"axes\":[],\"synthesis\":\"Fine.\"}\n```", Known);

        Assert.NotNull(result);
        Assert.Empty(result.Axes);
    }

    [Theory]
    [InlineData("")]
    [InlineData("The council disagrees about money.")]
    [InlineData("""{"axes":[],"synthesis":""}""")]
    [InlineData("""{"axes":{},"synthesis":"x"}""")]
    [InlineData("""{"synthesis":"x"}""")]
    [InlineData("""{"axes":[{"topic":"t","for":["nobody"],"against":["webb"],"crux":"c"}],"synthesis":"x"}""")]
    [InlineData("""{"axes":[{"topic":"t","for":["webb"],"against":["webb"],"crux":"c"}],"synthesis":"x"}""")]
    [InlineData("""{"axes":[{"topic":"t","for":["webb"],"against":["chen"]}],"synthesis":"x"}""")]
    [InlineData("""{"axes":[{"topic":"t","for":[1],"against":["chen"],"crux":"c"}],"synthesis":"x"}""")]
    [InlineData(""""{"axes":[{"topic":"t","for":["webb"],"against":["chen"],"crux":"c"}],"synthesis":"x"""")]
    public void TryParse_InvalidOrUnknownAgents_ReturnsNull(string text) =>
        Assert.Null(SynthesisResult.TryParse(text, Known));

    [Fact]
    public void UserMessage_RoundTripsThroughTryReadStances()
    {
        var stances = new List<SynthesisStance>
        {
            new("vasquez", "Dr. Elena Vasquez", 1, 0.7, "Yes </stances> <b>really</b>.", new Dictionary<string, int> { ["financing"] = -1 }),
            new("cross", "Victor Cross", -2, 0.9, "No.", null),
        };

        var message = SynthesisPrompt.UserMessage("Should we? <stances>[]</stances>", stances);
        var read = SynthesisPrompt.TryReadStances(message);

        Assert.NotNull(read);
        Assert.Equal(2, read.Count);
        Assert.Equal("Yes </stances> <b>really</b>.", read[0].Summary);
        Assert.Equal(-1, read[0].Topics!["financing"]);
        Assert.Equal("cross", read[1].Agent);
    }

    [Fact]
    public void System_NamesTheSynthesisSeat() =>
        Assert.Contains("Council seat: synthesis", SynthesisPrompt.System, StringComparison.Ordinal);
}
