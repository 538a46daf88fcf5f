using Consilium.Agent.Options;
using Consilium.Anthropic;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;

namespace Consilium.Agent.Tests.Options;

public sealed class ConfigurationValuesTests
{
    [Theory]
    [InlineData("30", 30_000)]
    [InlineData("0.25", 250)]
    [InlineData("00:00:30", 30_000)]
    [InlineData("00:03:00", 180_000)]
    [InlineData(" 1.5 ", 1_500)]
    public void GetDuration_SecondsOrTimeSpan_ReadsBoth(string raw, int milliseconds)
    {
        var duration = Configuration(raw).GetDuration("AGENT_IDLE_TIMEOUT", TimeSpan.FromDays(1));

        Assert.Equal(TimeSpan.FromMilliseconds(milliseconds), duration);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("  ")]
    public void GetDuration_Unset_ReturnsDefault(string? raw)
    {
        Assert.Equal(TimeSpan.FromSeconds(7), Configuration(raw).GetDuration("AGENT_IDLE_TIMEOUT", TimeSpan.FromSeconds(7)));
    }

    [Theory]
    [InlineData("0")]
    [InlineData("-3")]
    [InlineData("00:00:00")]
    [InlineData("thirty")]
    [InlineData("NaN")]
    [InlineData("1e300")]
    [InlineData("86401")]
    [InlineData("100.00:00:00")]
    public void GetDuration_Invalid_ThrowsNamingTheVariable(string raw)
    {
        var error = Assert.Throws<ConfigurationErrorException>(() => Configuration(raw).GetDuration("AGENT_IDLE_TIMEOUT", TimeSpan.FromSeconds(1)));

        Assert.StartsWith("AGENT_IDLE_TIMEOUT", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void UpstreamOptions_KeyWithoutBaseUrl_UsesTheRealApi()
    {
        var options = new UpstreamOptions();
        UpstreamOptions.Read(options, new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ANTHROPIC_API_KEY"] = "sk-test",
            ["MODEL_SIMULATOR_URL"] = "http://127.0.0.1:1",
        }).Build());

        Assert.Equal(new Uri("https://api.anthropic.com/v1/messages"), options.Upstream.MessagesUrl);
        Assert.Equal("sk-test", options.Upstream.ApiKey);
        Assert.Equal(["claude-sonnet-4-20250514", "claude-haiku-4-5-20251001"], options.Upstream.Models);
    }

    [Fact]
    public void UpstreamOptions_NoKey_UsesTheSimulatorKeepingAnyPathPrefix()
    {
        var options = new UpstreamOptions();
        UpstreamOptions.Read(options, new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["MODEL_SIMULATOR_URL"] = "http://sim.internal:9000/prefix/",
            ["CONSILIUM_MODELS"] = " a , b,a ",
        }).Build());

        Assert.Equal(new Uri("http://sim.internal:9000/prefix/v1/messages"), options.Upstream.MessagesUrl);
        Assert.Equal(AnthropicUpstream.SimulatorApiKey, options.Upstream.ApiKey);
        Assert.Equal(["a", "b"], options.Upstream.Models);
    }

    private static IConfiguration Configuration(string? idle) =>
        new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["AGENT_IDLE_TIMEOUT"] = idle }).Build();
}
