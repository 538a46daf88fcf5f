using System.Net;
using Consilium.Security.Tests.Support;

namespace Consilium.Security.Tests;

public class WiringTests
{
    [Fact]
    public async Task Agents_WithBearer_IsAdmittedWithRateLimitHeaders()
    {
        await using var host = new OrchestratorHost(OrchestratorHost.Settings());
        await host.InitializeAsync();
        using var client = host.CreateAuthorizedClient();

        using var response = await client.GetAsync("api/agents", TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("20", response.Headers.GetValues("RateLimit-Limit").Single());
    }
}
