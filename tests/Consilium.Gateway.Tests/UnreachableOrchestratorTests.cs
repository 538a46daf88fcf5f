using System.Net;
using System.Text.Json;
using Consilium.Testing;

namespace Consilium.Gateway.Tests;

public sealed class UnreachableOrchestratorTests
{
    [Fact]
    public async Task Proxy_NoOrchestratorListening_ReturnsGatewayErrorAsProblemJson()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var gateway = ServiceHost<GatewayApp>.Start(new Dictionary<string, string?>
        {
            ["ORCHESTRATOR_URLS"] = $"http://127.0.0.1:{Ports.GetFree()}", // nothing listens there
        });

        using var response = await gateway.Http.GetAsync("/api/agents", ct);

        Assert.True(response.StatusCode is HttpStatusCode.BadGateway or HttpStatusCode.ServiceUnavailable, $"got {(int)response.StatusCode}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync(ct));
        Assert.False(string.IsNullOrWhiteSpace(problem.RootElement.GetProperty("detail").GetString()));
    }
}
