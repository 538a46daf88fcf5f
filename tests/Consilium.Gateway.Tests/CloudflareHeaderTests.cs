using System.Net.Http.Json;

namespace Consilium.Gateway.Tests;

public sealed class CloudflareHeaderTests(CloudflareGatewayFixture gateway) : IClassFixture<CloudflareGatewayFixture>
{
    [Fact]
    public async Task Proxy_CfConnectingIpFromCloudflarePeer_ReachesTheUpstream()
    {
        var ct = TestContext.Current.CancellationToken;
        using var client = gateway.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/headers");
        request.Headers.TryAddWithoutValidation("CF-Connecting-IP", "203.0.113.9");
        request.Headers.TryAddWithoutValidation("X-Forwarded-For", "6.6.6.6");

        using var response = await client.SendAsync(request, ct);
        response.EnsureSuccessStatusCode();
        var seen = await response.Content.ReadFromJsonAsync<EchoedRequest>(ct);

        Assert.NotNull(seen);
        Assert.Equal("203.0.113.9", seen.Headers["cf-connecting-ip"]);
        Assert.Equal(GatewayFixture.ClientAddress.ToString(), seen.Headers["x-forwarded-for"]);
    }
}
