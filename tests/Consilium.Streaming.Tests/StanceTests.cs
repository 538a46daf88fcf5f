using Consilium.Council;

namespace Consilium.Streaming.Tests;

public class StanceTests
{
    [Fact]
    public void TryParse_WellFormedBlockAtEnd_ReadsAllFields()
    {
        var stance = Stance.TryParse("Some answer.\n<stance>{\"position\": -1, \"confidence\": 0.8, \"summary\": \"Too risky.\", \"topics\": {\"Financing\": -2}}</stance>");
        Assert.NotNull(stance);
        Assert.Equal(-1, stance.Position);
        Assert.Equal(0.8, stance.Confidence);
        Assert.Equal("Too risky.", stance.Summary);
        Assert.Equal(-2, stance.Topics["financing"]);
    }

    [Theory]
    [InlineData("no block at all")]
    [InlineData("<stance>{\"position\": 1, \"confidence\": 0.5</stance>")]
    [InlineData("<stance>{\"position\": 3, \"confidence\": 0.5}</stance>")]
    [InlineData("<stance>{\"position\": 1, \"confidence\": 1.5}</stance>")]
    [InlineData("<stance>{\"position\": 1.5, \"confidence\": 0.5}</stance>")]
    [InlineData("<stance>{\"position\": 1, \"confidence\": 0.5}")]
    [InlineData("<stance>[1,2]</stance>")]
    public void TryParse_MissingOrMalformed_ReturnsNull(string answer) => Assert.Null(Stance.TryParse(answer));

    [Fact]
    public void ToBlock_RoundTripsThroughTryParse()
    {
        var stance = new Stance(2, 0.9, "Build it.", new Dictionary<string, int> { ["demand"] = 2 });
        var parsed = Stance.TryParse("text " + stance.ToBlock());
        Assert.NotNull(parsed);
        Assert.Equal(stance.Position, parsed.Position);
        Assert.Equal(stance.Summary, parsed.Summary);
        Assert.Equal(2, parsed.Topics["demand"]);
    }
}
