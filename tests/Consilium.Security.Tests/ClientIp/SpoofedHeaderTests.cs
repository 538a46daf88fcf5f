using System.Net;
using Consilium.Orchestrator.Security.RateLimiting;
using Consilium.Security.Tests.Support;
using Consilium.Testing;

namespace Consilium.Security.Tests.ClientIp;

/// <summary>Whose budget a request spends, shown by the real Redis keys two real orchestrators write.</summary>
public sealed class SpoofedHeaderTests(RedisFixture redis) : IClassFixture<RedisFixture>
{
    private const int Limit = 3;

    public static TheoryData<string, string> SpoofedHeaders => new()
    {
        { "X-Forwarded-For", "203.0.113.{0}" },
        { "X-Forwarded-For", "203.0.113.{0}, 10.9.9.9" },
        { "Forwarded", "for=203.0.113.{0};proto=https" },
        { "CF-Connecting-IP", "203.0.113.{0}" },
        { "X-Real-IP", "203.0.113.{0}" },
        { "True-Client-IP", "203.0.113.{0}" },
    };

    [Theory]
    [MemberData(nameof(SpoofedHeaders))]
    public async Task Agents_SpoofedHeaderFromAnUntrustedPeer_DoesNotChangeTheKey(string header, string format)
    {
        // The gateway lives elsewhere (10.9.9.0/24): this test's loopback connection is an ordinary, untrusted client,
        // even with Cloudflare mode on and loopback listed as a Cloudflare range.
        var prefix = $"spoof-{Guid.NewGuid():N}:";
        await using var host = new OrchestratorHost(OrchestratorHost.WithRedis(redis.Url, prefix, new Dictionary<string, string?>
        {
            ["RATE_LIMIT_PER_MINUTE"] = Limit.ToString(),
            ["TRUSTED_PROXIES"] = "10.9.9.0/24",
            ["CLOUDFLARE_IP_RANGES"] = "127.0.0.0/8",
        }));
        await host.InitializeAsync();
        using var http = host.CreateAuthorizedClient();

        var statuses = new List<HttpStatusCode>();
        for (var i = 1; i <= Limit + 2; i++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "api/agents");
            request.Headers.TryAddWithoutValidation(header, string.Format(System.Globalization.CultureInfo.InvariantCulture, format, i));
            using var response = await http.SendAsync(request, TestContext.Current.CancellationToken);
            statuses.Add(response.StatusCode);
        }

        Assert.Equal([.. Enumerable.Repeat(HttpStatusCode.OK, Limit), HttpStatusCode.TooManyRequests, HttpStatusCode.TooManyRequests], statuses);
        Assert.Equal([prefix + PublicRateLimiter.Key("127.0.0.1")], await RateLimitKeysAsync(prefix));
    }

    [Fact]
    public async Task Agents_ForwardedForFromTheTrustedGateway_IsTheKey()
    {
        var prefix = $"gateway-{Guid.NewGuid():N}:";
        await using var host = new OrchestratorHost(OrchestratorHost.WithRedis(redis.Url, prefix)); // default: loopback is the gateway
        await host.InitializeAsync();
        using var http = host.CreateAuthorizedClient();

        foreach (var client in new[] { "203.0.113.7", "203.0.113.8" })
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "api/agents");
            request.Headers.TryAddWithoutValidation("X-Forwarded-For", client);
            request.Headers.TryAddWithoutValidation("CF-Connecting-IP", "198.51.100.1"); // Cloudflare mode is off
            using var _ = await http.SendAsync(request, TestContext.Current.CancellationToken);
        }

        Assert.Equal(
            [prefix + PublicRateLimiter.Key("203.0.113.7"), prefix + PublicRateLimiter.Key("203.0.113.8")],
            (await RateLimitKeysAsync(prefix)).Order());
    }

    [Fact]
    public async Task Agents_CloudflareModeAndTheGatewaysPeerIsCloudflare_KeysByCfConnectingIp()
    {
        var prefix = $"cloudflare-{Guid.NewGuid():N}:";
        await using var host = new OrchestratorHost(OrchestratorHost.WithRedis(redis.Url, prefix, new Dictionary<string, string?>
        {
            ["CLOUDFLARE_IP_RANGES"] = "173.245.48.0/20, 2400:cb00::/32",
        }));
        await host.InitializeAsync();
        using var http = host.CreateAuthorizedClient();

        // Through Cloudflare: the gateway saw a Cloudflare edge. Around it: the gateway saw the client itself.
        foreach (var (edge, claimed) in new[] { ("173.245.48.10", "198.51.100.1"), ("203.0.113.99", "198.51.100.2") })
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "api/agents");
            request.Headers.TryAddWithoutValidation("X-Forwarded-For", edge);
            request.Headers.TryAddWithoutValidation("CF-Connecting-IP", claimed);
            using var _ = await http.SendAsync(request, TestContext.Current.CancellationToken);
        }

        Assert.Equal(
            [prefix + PublicRateLimiter.Key("198.51.100.1"), prefix + PublicRateLimiter.Key("203.0.113.99")],
            (await RateLimitKeysAsync(prefix)).Order());
    }

    private async Task<List<string>> RateLimitKeysAsync(string prefix)
    {
        var keys = new List<string>();
        await foreach (var key in redis.Multiplexer.GetServers().First().KeysAsync(pattern: prefix + "ratelimit:*"))
        {
            keys.Add(key!);
        }
        return keys;
    }
}
