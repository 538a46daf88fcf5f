using System.Net;

namespace Consilium.Gateway.Tests;

public sealed class RoutingTests(GatewayFixture gateway)
{
    [Theory]
    [InlineData("/other")]
    [InlineData("/v1/ask")]
    [InlineData("/v1/messages")]
    [InlineData("/apix")]
    public async Task Get_PathOutsideApi_IsNotProxied(string path)
    {
        var ct = TestContext.Current.CancellationToken;
        using var client = gateway.CreateClient();
        var before = gateway.Upstream.NonApiHits;

        using var response = await client.GetAsync(path, ct);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(before, gateway.Upstream.NonApiHits);
    }

    [Fact]
    public async Task Get_Root_ServesTheWebPageWithoutAuthentication()
    {
        var ct = TestContext.Current.CancellationToken;
        using var client = gateway.CreateClient();

        using var response = await client.GetAsync("/", ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("Consilium", await response.Content.ReadAsStringAsync(ct));
    }

    [Theory]
    [InlineData("/health")]
    [InlineData("/alive")]
    public async Task Get_Probe_IsHealthyWithoutAuthentication(string path)
    {
        var ct = TestContext.Current.CancellationToken;
        using var client = gateway.CreateClient();

        using var response = await client.GetAsync(path, ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }
}
