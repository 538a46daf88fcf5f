using Consilium.ServiceDefaults;
using Microsoft.Extensions.Configuration;

namespace Consilium.Streaming.Tests;

/// <summary>The typed readers of the flat variables that every service shares (Consilium.ServiceDefaults).</summary>
public sealed class ConsiliumConfigurationTests
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

    [Theory]
    [InlineData(null, 5)]
    [InlineData(" 12 ", 12)]
    [InlineData("1", 1)]
    [InlineData("100", 100)]
    public void GetInt_UnsetOrInRange_ReadsIt(string? raw, int expected)
    {
        Assert.Equal(expected, Configuration(raw, "AGENT_MAX_TOKENS").GetInt("AGENT_MAX_TOKENS", 5, 1, 100));
    }

    [Theory]
    [InlineData("0")]
    [InlineData("101")]
    [InlineData("1.5")]
    [InlineData("lots")]
    public void GetInt_OutOfRangeOrNotWhole_ThrowsNamingTheVariable(string raw)
    {
        var error = Assert.Throws<ConfigurationErrorException>(() => Configuration(raw, "AGENT_MAX_TOKENS").GetInt("AGENT_MAX_TOKENS", 5, 1, 100));

        Assert.StartsWith("AGENT_MAX_TOKENS", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(null, null)]
    [InlineData(" http://sim.internal:9000/prefix/ ", "http://sim.internal:9000/prefix/")]
    [InlineData("https://api.anthropic.com", "https://api.anthropic.com/")]
    public void GetHttpUrl_UnsetOrHttp_ReadsIt(string? raw, string? expected)
    {
        Assert.Equal(expected, Configuration(raw, "MODEL_SIMULATOR_URL").GetHttpUrl("MODEL_SIMULATOR_URL")?.AbsoluteUri);
    }

    [Theory]
    [InlineData("not a url")]
    [InlineData("ftp://models.example")]
    [InlineData("simulator:8080")]
    public void GetHttpUrl_NotAnAbsoluteHttpUrl_ThrowsNamingTheVariable(string raw)
    {
        var error = Assert.Throws<ConfigurationErrorException>(() => Configuration(raw, "MODEL_SIMULATOR_URL").GetHttpUrl("MODEL_SIMULATOR_URL"));

        Assert.StartsWith("MODEL_SIMULATOR_URL", error.Message, StringComparison.Ordinal);
    }

    private static IConfiguration Configuration(string? value, string name = "AGENT_IDLE_TIMEOUT") =>
        new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { [name] = value }).Build();
}
