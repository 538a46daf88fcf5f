using Consilium.Agent.Options;
using Consilium.Anthropic;
using Microsoft.Extensions.Configuration;

namespace Consilium.Agent.Tests.Options;

public sealed class UpstreamOptionsTests
{
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
}
