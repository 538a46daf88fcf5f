using Consilium.Council.Pricing;
using Consilium.Streaming;

namespace Consilium.Council.Tests.Pricing;

public class PricingTableTests
{
    private const string Sonnet = "claude-sonnet-4-20250514";
    private const string Haiku = "claude-haiku-4-5-20251001";

    [Fact]
    public void Price_SonnetDefaults_AddsEveryKindOfToken()
    {
        var usage = new Usage { InputTokens = 1_000_000, OutputTokens = 1_000_000, CacheCreationInputTokens = 1_000_000, CacheReadInputTokens = 1_000_000 };

        var cost = new PricingTable().Price(Sonnet, usage);

        Assert.Equal(3m + 15m + 3.75m + 0.30m, cost.Usd);
        Assert.Equal(3m - 0.30m, cost.CacheSavingsUsd);
    }

    [Fact]
    public void Price_HaikuDefaults_UsesHaikuRates()
    {
        var usage = new Usage { InputTokens = 2_000, OutputTokens = 500, CacheCreationInputTokens = 0, CacheReadInputTokens = 10_000 };

        var cost = new PricingTable().Price(Haiku, usage);

        Assert.Equal((2_000 * 1m + 500 * 5m + 10_000 * 0.10m) / 1_000_000m, cost.Usd);
        Assert.Equal(10_000 * (1m - 0.10m) / 1_000_000m, cost.CacheSavingsUsd);
    }

    [Fact]
    public void Price_UnknownModel_CostsNothing()
    {
        var table = new PricingTable();

        Assert.Equal(default, table.Price("no-such-model", new Usage { InputTokens = 1000 }));
        Assert.False(table.TryGet("no-such-model", out _));
    }

    [Fact]
    public void ParseJson_OverridesAndAddsModels()
    {
        var overrides = PricingTable.ParseJson($$$"""{"{{{Sonnet}}}": {"input": 1, "output": 2, "cacheWrite": 3, "cacheRead": 0.5}, "other": {"Input": 4, "Output": 5, "CacheWrite": 6, "CacheRead": 7}}""");
        var table = new PricingTable(overrides);

        Assert.Equal(new ModelPrice(1, 2, 3, 0.5m), table.Prices[Sonnet]);
        Assert.Equal(new ModelPrice(4, 5, 6, 7), table.Prices["other"]);
        Assert.Equal(PricingTable.Defaults[Haiku], table.Prices[Haiku]);
    }

    [Theory]
    [InlineData("not json")]
    [InlineData("""{"m": {"input": 1, "output": 2, "cacheWrite": 3}}""")]
    [InlineData("""{"m": {"input": -1, "output": 2, "cacheWrite": 3, "cacheRead": 1}}""")]
    [InlineData("""{"m": null}""")]
    [InlineData("""[1, 2]""")]
    public void ParseJson_Invalid_ThrowsFormatException(string json) =>
        Assert.Throws<FormatException>(() => PricingTable.ParseJson(json));

    [Fact]
    public void Cost_AddAndRound_SumsBothFields()
    {
        var total = new Cost(0.0000014m, 0.1m) + new Cost(0.0000002m, 0.2m);

        Assert.Equal(new Cost(0.000002m, 0.3m), total.Rounded());
    }
}
