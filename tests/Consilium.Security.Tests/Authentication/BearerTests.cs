using System.Net;
using System.Net.Http.Json;
using Consilium.Security.Tests.Support;

namespace Consilium.Security.Tests.Authentication;

/// <summary>docs/api.md#public-api layer 2 over a real socket, with two secrets configured as during a rotation.</summary>
public sealed class BearerTests(BearerTests.Orchestrator orchestrator) : IClassFixture<BearerTests.Orchestrator>
{
    private readonly OrchestratorHost _host = orchestrator.Host;

    public sealed class Orchestrator() : RecordedOrchestrator(new Dictionary<string, string?>
    {
        ["CONSILIUM_SECRET"] = $"{OrchestratorHost.Secret},{OrchestratorHost.RotatedSecret}",
        ["RATE_LIMIT_PER_MINUTE"] = "100000",
    });

    [Theory]
    [InlineData("Bearer " + OrchestratorHost.Secret)]
    [InlineData("Bearer " + OrchestratorHost.RotatedSecret)]
    [InlineData("bearer " + OrchestratorHost.Secret)]
    [InlineData("BEARER " + OrchestratorHost.RotatedSecret)]
    public async Task Agents_CurrentSecretAnySchemeCase_IsAdmitted(string authorization)
    {
        using var response = await GetAgentsAsync([authorization]);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Theory]
    [InlineData]
    [InlineData("Bearer wrong")]
    [InlineData("Bearer " + OrchestratorHost.Secret + " " + OrchestratorHost.RotatedSecret)]
    [InlineData("Bearer " + OrchestratorHost.Secret + "," + OrchestratorHost.RotatedSecret)]
    [InlineData("Basic " + OrchestratorHost.Secret)]
    [InlineData(OrchestratorHost.Secret)]
    [InlineData("Bearer " + OrchestratorHost.Secret, "Bearer " + OrchestratorHost.Secret)]
    [InlineData("Bearer " + OrchestratorHost.InternalKey)]
    public async Task Agents_AnythingButOneCurrentSecret_Is401WithWwwAuthenticateBearer(params string[] authorization)
    {
        using var response = await GetAgentsAsync(authorization);

        await AssertUnauthorizedAsync(response);
    }

    [Fact]
    public async Task Agents_TokenOverTheLengthCap_Is401()
    {
        using var response = await GetAgentsAsync(["Bearer " + new string('a', 4000)]);

        await AssertUnauthorizedAsync(response);
    }

    [Fact]
    public async Task Ask_NoBearerAndAMalformedBody_Is401NotA400()
    {
        using var client = _host.CreateSocketClient();
        using var content = new StringContent("{not json", System.Text.Encoding.UTF8, "application/json");

        using var response = await client.PostAsync("api/agent/vasquez", content, TestContext.Current.CancellationToken);

        await AssertUnauthorizedAsync(response);
    }

    [Fact]
    public async Task Ask_NoBearerWithABodyNeverSent_Is401WithoutWaitingForTheBody()
    {
        await using var raw = await RawHttp.ConnectAsync(_host.BaseAddress, TestContext.Current.CancellationToken);
        await raw.SendAsync(
            "POST /api/consilium HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 60000\r\n\r\n",
            TestContext.Current.CancellationToken);

        var response = await raw.ReadHeadAsync(TimeSpan.FromSeconds(5), TestContext.Current.CancellationToken);

        Assert.Equal(401, response.Status);
        Assert.Equal("Bearer", response.Headers["WWW-Authenticate"]);
    }

    [Fact]
    public async Task Resume_WrongResumeTokenAndNoBearer_Is401()
    {
        using var client = _host.CreateSocketClient();

        using var response = await client.GetAsync("api/consilium/sessions/no-such-session/events?resume=guess", TestContext.Current.CancellationToken);

        await AssertUnauthorizedAsync(response);
    }

    private async Task<HttpResponseMessage> GetAgentsAsync(string[] authorization)
    {
        using var client = _host.CreateSocketClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, "api/agents");
        if (authorization.Length > 0)
        {
            request.Headers.TryAddWithoutValidation("Authorization", authorization);
        }
        return await client.SendAsync(request, TestContext.Current.CancellationToken);
    }

    private static async Task AssertUnauthorizedAsync(HttpResponseMessage response)
    {
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("Bearer", response.Headers.WwwAuthenticate.Single().ToString());
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<ProblemBody>(TestContext.Current.CancellationToken);
        Assert.Equal(401, problem!.Status);
        Assert.Contains("Authorization", problem.Detail, StringComparison.OrdinalIgnoreCase);
        Assert.False(response.Headers.Contains("RateLimit-Limit")); // refused before the rate limit
    }
}
