using Consilium.Orchestrator.Security;
using Consilium.ServiceDefaults;
using Microsoft.Extensions.Configuration;

namespace Consilium.Security.Tests;

public class PublicSecurityOptionsTests
{
    [Fact]
    public void Load_Nothing_UsesTheDocumentedDefaults()
    {
        var options = Load([]);

        Assert.Equal(20, options.RateLimitPerMinute);
        Assert.Equal(TimeSpan.FromSeconds(60), options.RateLimitWindow);
        Assert.Equal(2, options.CouncilStreamsPerClient);
        Assert.Empty(options.AllowedOrigins);
        Assert.Equal(["127.0.0.0/8", "::1/128"], options.TrustedProxies.Select(n => n.ToString()));
        Assert.Empty(options.CloudflareRanges);
    }

    [Fact]
    public void Load_PublicOriginOnly_AllowsTheGatewaysOwnOrigin()
    {
        var options = Load(new() { ["PUBLIC_ORIGIN"] = "HTTP://127.0.0.1:8080/" });

        Assert.Equal(["http://127.0.0.1:8080"], options.AllowedOrigins);
    }

    [Fact]
    public void Load_AllowedOrigins_ReplacePublicOriginAndDropDefaultPorts()
    {
        var options = Load(new()
        {
            ["PUBLIC_ORIGIN"] = "http://127.0.0.1:8080",
            ["ALLOWED_ORIGINS"] = "https://consilium.example:443, https://app.example.org:8443",
        });

        Assert.Equal(["https://app.example.org:8443", "https://consilium.example"], options.AllowedOrigins.Order());
    }

    [Theory]
    [InlineData("ALLOWED_ORIGINS", "*")]
    [InlineData("ALLOWED_ORIGINS", "null")]
    [InlineData("ALLOWED_ORIGINS", "https://consilium.example/app")]
    [InlineData("ALLOWED_ORIGINS", "consilium.example")]
    [InlineData("ALLOWED_ORIGINS", "ftp://consilium.example")]
    [InlineData("PUBLIC_ORIGIN", "https://user@consilium.example")]
    [InlineData("RATE_LIMIT_PER_MINUTE", "0")]
    [InlineData("RATE_LIMIT_PER_MINUTE", "twenty")]
    [InlineData("COUNCIL_STREAMS_PER_CLIENT", "-1")]
    [InlineData("TRUSTED_PROXIES", "10.0.0.1/8")]
    [InlineData("TRUSTED_PROXIES", "gateway")]
    [InlineData("CLOUDFLARE_IP_RANGES", "173.245.48.0/99")]
    public void Load_BadValue_IsAConfigurationErrorNamingTheVariable(string variable, string value)
    {
        var error = Assert.Throws<ConfigurationErrorException>(() => Load(new() { [variable] = value }));

        Assert.StartsWith(variable, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_TrustedProxiesAsAddressesAndNetworks_AreAllTrusted()
    {
        var options = Load(new() { ["TRUSTED_PROXIES"] = "10.1.2.3, 172.18.0.0/16, fd00::/8" });

        Assert.Equal(["10.1.2.3/32", "172.18.0.0/16", "fd00::/8"], options.TrustedProxies.Select(n => n.ToString()));
    }

    private static PublicSecurityOptions Load(Dictionary<string, string?> values)
    {
        var options = new PublicSecurityOptions();
        PublicSecurityOptions.Read(options, new ConfigurationBuilder().AddInMemoryCollection(values).Build());
        return options;
    }
}
