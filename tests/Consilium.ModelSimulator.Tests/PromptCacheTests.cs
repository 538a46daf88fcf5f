using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Time.Testing;

namespace Consilium.ModelSimulator.Tests;

/// <summary>A simulator whose clock the tests move (and that answers without delays, since fake time stands still).</summary>
public sealed class FakeClockSimulator() : SimulatorHost(
    new Dictionary<string, string> { ["SIM_TTFT_MS"] = "0", ["SIM_TOKENS_PER_SECOND"] = "0", ["SIM_OUTPUT_TOKENS"] = "40" },
    Clock)
{
    public static FakeTimeProvider Clock { get; } = new(DateTimeOffset.Parse("2026-01-01T00:00:00Z", System.Globalization.CultureInfo.InvariantCulture));
}

public sealed class PromptCacheTests(FakeClockSimulator simulator) : IClassFixture<FakeClockSimulator>
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    // The system prompt below is 4,800+ characters: about 1,200 tokens at four characters a token.
    private const int Padding = 4800;

    private async Task<(long Input, long Creation, long Read)> UsageAsync(string body)
    {
        using var client = simulator.Connect();
        using var document = await client.PostJsonAsync(body, cancellationToken: Cancel);
        var usage = document.RootElement.GetProperty("usage");
        return (usage.GetProperty("input_tokens").GetInt64(), usage.GetProperty("cache_creation_input_tokens").GetInt64(),
            usage.GetProperty("cache_read_input_tokens").GetInt64());
    }

    private static string Body(string seat, bool cacheControl = true, int padding = Padding, string model = Requests.Model) =>
        Requests.Message(seat: seat, stream: false, cacheControl: cacheControl, systemPadding: padding, model: model);

    private static int Tokens(string seat, int padding) => (Requests.System(seat, padding).Length + 3) / 4;

    [Fact]
    public async Task PostMessages_SamePrefix_CreatesThenReads()
    {
        var prefix = Tokens("webb", Padding);
        var first = await UsageAsync(Body("webb"));
        var second = await UsageAsync(Body("webb"));

        Assert.Equal(prefix, first.Creation);
        Assert.Equal(0, first.Read);
        Assert.Equal(0, second.Creation);
        Assert.Equal(prefix, second.Read);
        Assert.Equal(first.Input, second.Input);
        Assert.Equal((Requests.Question.Length + 3) / 4, first.Input, tolerance: 1);
    }

    [Fact]
    public async Task PostMessages_StreamingUsage_ReportsTheCacheInMessageStartAndMessageDelta()
    {
        using var client = simulator.Connect();
        var body = Requests.Message(seat: "okafor", systemPadding: Padding);
        var first = await client.StreamAsync(body, cancellationToken: Cancel);
        var second = await client.StreamAsync(body, cancellationToken: Cancel);

        var prefix = Tokens("okafor", Padding);
        Assert.Equal(prefix, first.Data.First().GetProperty("message").GetProperty("usage").GetProperty("cache_creation_input_tokens").GetInt32());
        var delta = second.Data.Single(d => d.GetProperty("type").GetString() == "message_delta").GetProperty("usage");
        Assert.Equal(prefix, delta.GetProperty("cache_read_input_tokens").GetInt32());
        Assert.Equal(0, delta.GetProperty("cache_creation_input_tokens").GetInt32());
    }

    [Fact]
    public async Task PostMessages_AfterFiveIdleMinutes_CreatesAgain()
    {
        await UsageAsync(Body("mitchell"));
        FakeClockSimulator.Clock.Advance(TimeSpan.FromMinutes(4));
        var refreshed = await UsageAsync(Body("mitchell"));
        FakeClockSimulator.Clock.Advance(TimeSpan.FromMinutes(4));
        var stillWarm = await UsageAsync(Body("mitchell"));
        FakeClockSimulator.Clock.Advance(TimeSpan.FromMinutes(5) + TimeSpan.FromSeconds(1));
        var expired = await UsageAsync(Body("mitchell"));

        Assert.True(refreshed.Read > 0, "a hit within 5 minutes reads");
        Assert.True(stillWarm.Read > 0, "each hit refreshes the 5-minute TTL");
        Assert.Equal(0, expired.Read);
        Assert.Equal(Tokens("mitchell", Padding), expired.Creation);
    }

    [Fact]
    public async Task PostMessages_PrefixBelowMinimum_IsNotCached()
    {
        var first = await UsageAsync(Body("diallo", padding: 2000));
        var second = await UsageAsync(Body("diallo", padding: 2000));

        Assert.Equal((0L, 0L), (first.Creation, first.Read));
        Assert.Equal((0L, 0L), (second.Creation, second.Read));
        Assert.True(second.Input > 500, "everything is ordinary input");
    }

    [Fact]
    public async Task PostMessages_WithoutCacheControl_IsNotCached()
    {
        await UsageAsync(Body("harlow", cacheControl: false));
        var second = await UsageAsync(Body("harlow", cacheControl: false));

        Assert.Equal((0L, 0L), (second.Creation, second.Read));
        Assert.Equal(Tokens("harlow", Padding) + (Requests.Question.Length + 3) / 4, second.Input, tolerance: 1);
    }

    [Fact]
    public async Task PostMessages_OtherModel_HasItsOwnCache()
    {
        await UsageAsync(Body("deleon"));
        var other = await UsageAsync(Body("deleon", model: "claude-haiku-4-5-20251001"));

        Assert.True(other.Creation > 0);
        Assert.Equal(0, other.Read);
    }

    [Fact]
    public async Task PostMessages_CacheControlOnATool_CachesToolsAndSystemBeforeIt()
    {
        var body = JsonNode.Parse(Requests.Message(seat: "nakamura", stream: false, cacheControl: false))!;
        body["tools"] = new JsonArray(new JsonObject
        {
            ["name"] = "lookup",
            ["description"] = new string('d', Padding),
            ["input_schema"] = new JsonObject { ["type"] = "object" },
            ["cache_control"] = new JsonObject { ["type"] = "ephemeral" },
        });
        var json = body.ToJsonString();
        var first = await UsageAsync(json);
        var second = await UsageAsync(json);

        var toolTokens = (JsonSerializer.Serialize(body["tools"]![0]).Length + 3) / 4;
        Assert.Equal(toolTokens, first.Creation, tolerance: 2);
        Assert.Equal(first.Creation, second.Read);
    }
}
