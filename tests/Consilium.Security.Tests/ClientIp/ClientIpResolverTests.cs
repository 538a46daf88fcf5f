using System.Net;
using Consilium.Orchestrator.Security;
using Consilium.ServiceDefaults;
using Microsoft.Extensions.Primitives;

namespace Consilium.Security.Tests.ClientIp;

public class ClientIpResolverTests
{
    private static readonly IPAddress Gateway = IPAddress.Parse("10.0.0.5");
    private static readonly IPAddress Stranger = IPAddress.Parse("198.51.100.23");

    private static ClientIpResolver Resolver(string trusted = "10.0.0.0/24", string cloudflare = "") => new(new PublicSecurityOptions
    {
        TrustedProxies = NetworkList.Parse("TRUSTED_PROXIES", trusted),
        CloudflareRanges = NetworkList.Parse("CLOUDFLARE_IP_RANGES", cloudflare),
    });

    [Theory]
    [InlineData("203.0.113.9", "")]
    [InlineData("", "203.0.113.9")]
    [InlineData("203.0.113.9, 10.0.0.7", "203.0.113.9")]
    public void Resolve_UntrustedPeer_IgnoresEveryForwardingHeader(string forwardedFor, string cloudflare)
    {
        var client = Resolver(cloudflare: "198.51.100.0/24").Resolve(Stranger, forwardedFor, cloudflare);

        Assert.Equal(Stranger, client);
    }

    [Fact]
    public void Resolve_TrustedPeer_TakesTheEntryItAdded()
    {
        var client = Resolver().Resolve(Gateway, "203.0.113.9", StringValues.Empty);

        Assert.Equal(IPAddress.Parse("203.0.113.9"), client);
    }

    [Fact]
    public void Resolve_ClientPrependedAFakeEntry_TakesTheRightmostUntrustedHop()
    {
        // The client sent "X-Forwarded-For: 1.2.3.4"; a proxy that appends (rather than replaces) kept it.
        var client = Resolver().Resolve(Gateway, "1.2.3.4, 203.0.113.9", StringValues.Empty);

        Assert.Equal(IPAddress.Parse("203.0.113.9"), client);
    }

    [Fact]
    public void Resolve_ChainOfTrustedProxies_SkipsThemAll()
    {
        var client = Resolver().Resolve(Gateway, new StringValues(["1.2.3.4, 203.0.113.9", "10.0.0.8, 10.0.0.9"]), StringValues.Empty);

        Assert.Equal(IPAddress.Parse("203.0.113.9"), client);
    }

    [Theory]
    [InlineData("203.0.113.9:4711", "203.0.113.9")]
    [InlineData("[2001:db8::7]:4711", "2001:db8::7")]
    [InlineData("2001:db8::7", "2001:db8::7")]
    [InlineData("::ffff:203.0.113.9", "203.0.113.9")]
    public void Resolve_AddressForms_AreRead(string hop, string expected)
    {
        Assert.Equal(IPAddress.Parse(expected), Resolver().Resolve(Gateway, hop, StringValues.Empty));
    }

    [Theory]
    [InlineData("")]
    [InlineData("not-an-address")]
    [InlineData("unknown")]
    public void Resolve_TrustedPeerWithoutAReadableEntry_IsThePeer(string forwardedFor)
    {
        Assert.Equal(Gateway, Resolver().Resolve(Gateway, forwardedFor, StringValues.Empty));
    }

    [Fact]
    public void Resolve_CloudflareModeAndTheHopIsACloudflareEdge_TakesCfConnectingIp()
    {
        var client = Resolver(cloudflare: "173.245.48.0/20").Resolve(Gateway, "173.245.48.10", "203.0.113.9");

        Assert.Equal(IPAddress.Parse("203.0.113.9"), client);
    }

    [Fact]
    public void Resolve_CloudflareModeAndTheHopIsNotCloudflare_IgnoresCfConnectingIp()
    {
        // Someone reached the gateway directly, bypassing Cloudflare, and claims to be 203.0.113.9.
        var client = Resolver(cloudflare: "173.245.48.0/20").Resolve(Gateway, "198.51.100.23", "203.0.113.9");

        Assert.Equal(Stranger, client);
    }

    [Fact]
    public void Resolve_CloudflareModeOff_IgnoresCfConnectingIp()
    {
        var client = Resolver().Resolve(Gateway, "173.245.48.10", "203.0.113.9");

        Assert.Equal(IPAddress.Parse("173.245.48.10"), client);
    }

    [Fact]
    public void Resolve_DefaultTrust_IsLoopbackOnly()
    {
        var resolver = new ClientIpResolver(new PublicSecurityOptions());

        Assert.Equal(IPAddress.Parse("203.0.113.9"), resolver.Resolve(IPAddress.Loopback, "203.0.113.9", StringValues.Empty));
        Assert.Equal(IPAddress.Parse("203.0.113.9"), resolver.Resolve(IPAddress.IPv6Loopback, "203.0.113.9", StringValues.Empty));
        Assert.Equal(Gateway, resolver.Resolve(Gateway, "203.0.113.9", StringValues.Empty));
    }

    [Fact]
    public void Bucket_IPv6_GroupsTheWhole64()
    {
        Assert.Equal("2001:db8:1:2::/64", ClientIpResolver.Bucket(IPAddress.Parse("2001:db8:1:2:aaaa:bbbb:cccc:dddd")));
        Assert.Equal(
            ClientIpResolver.Bucket(IPAddress.Parse("2001:db8:1:2::1")),
            ClientIpResolver.Bucket(IPAddress.Parse("2001:db8:1:2:ffff::9")));
        Assert.NotEqual(
            ClientIpResolver.Bucket(IPAddress.Parse("2001:db8:1:2::1")),
            ClientIpResolver.Bucket(IPAddress.Parse("2001:db8:1:3::1")));
    }

    [Fact]
    public void Bucket_IPv4_IsTheAddress()
    {
        Assert.Equal("203.0.113.9", ClientIpResolver.Bucket(IPAddress.Parse("::ffff:203.0.113.9")));
    }
}
