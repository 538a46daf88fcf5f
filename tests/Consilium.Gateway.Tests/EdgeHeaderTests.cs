using System.Net.Http.Json;

namespace Consilium.Gateway.Tests;

public sealed class EdgeHeaderTests(GatewayFixture gateway)
{
    [Fact]
    public async Task Proxy_SpoofedClientHeaders_NeverReachTheUpstream()
    {
        var ct = TestContext.Current.CancellationToken;
        using var client = gateway.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/headers");
        request.Headers.TryAddWithoutValidation("X-Forwarded-For", "6.6.6.6");
        request.Headers.TryAddWithoutValidation("X-Forwarded-Host", "evil.example");
        request.Headers.TryAddWithoutValidation("X-Forwarded-Proto", "https");
        request.Headers.TryAddWithoutValidation("X-Forwarded-Prefix", "/evil");
        request.Headers.TryAddWithoutValidation("Forwarded", "for=6.6.6.6;proto=https");
        request.Headers.TryAddWithoutValidation("CF-Connecting-IP", "6.6.6.6");
        request.Headers.TryAddWithoutValidation("X-Real-IP", "6.6.6.6");
        request.Headers.TryAddWithoutValidation("X-Internal-Key", "stolen");

        using var response = await client.SendAsync(request, ct);
        response.EnsureSuccessStatusCode();
        var seen = await response.Content.ReadFromJsonAsync<EchoedRequest>(ct);

        Assert.NotNull(seen);
        Assert.DoesNotContain("6.6.6.6", string.Join("\n", seen.Headers.Values));
        Assert.DoesNotContain("forwarded", seen.Headers.Keys);
        Assert.DoesNotContain("cf-connecting-ip", seen.Headers.Keys);
        Assert.DoesNotContain("x-real-ip", seen.Headers.Keys);
        Assert.DoesNotContain("x-internal-key", seen.Headers.Keys);
        Assert.DoesNotContain("x-forwarded-prefix", seen.Headers.Keys);
        Assert.Equal("http", seen.Headers["x-forwarded-proto"]);
        Assert.Equal(gateway.BaseAddress.Authority, seen.Headers["x-forwarded-host"]);
    }

    [Fact]
    public async Task Proxy_XForwardedFor_IsTheClientsTcpPeer()
    {
        var ct = TestContext.Current.CancellationToken;
        using var client = gateway.CreateClient();

        var seen = await client.GetFromJsonAsync<EchoedRequest>("/api/headers", ct);

        Assert.NotNull(seen);
        // The client connects from 127.0.0.2; the gateway reaches the upstream from 127.0.0.1.
        Assert.Equal(GatewayFixture.ClientAddress.ToString(), seen.Headers["x-forwarded-for"]);
        Assert.NotEqual(seen.Peer, seen.Headers["x-forwarded-for"]);
    }

    [Fact]
    public async Task Proxy_Authorization_IsPassedThrough()
    {
        var ct = TestContext.Current.CancellationToken;
        using var client = gateway.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/headers");
        request.Headers.TryAddWithoutValidation("Authorization", "Bearer public-secret");

        using var response = await client.SendAsync(request, ct);
        var seen = await response.Content.ReadFromJsonAsync<EchoedRequest>(ct);

        Assert.NotNull(seen);
        Assert.Equal("Bearer public-secret", seen.Headers["authorization"]);
    }

    [Fact]
    public async Task Proxy_UpstreamServerHeaders_AreNotShownToTheClient()
    {
        var ct = TestContext.Current.CancellationToken;
        using var client = gateway.CreateClient();

        using var response = await client.GetAsync("/api/headers", ct);

        response.EnsureSuccessStatusCode();
        Assert.False(response.Headers.Contains("Server"), $"Server: {string.Join(",", response.Headers.Server)}");
        Assert.False(response.Headers.Contains("X-Powered-By"));
    }
}
