using System.Net;
using System.Net.Http.Headers;

namespace Consilium.Orchestrator.Tests;

public sealed class AuthTests(CouncilFixture council)
{
    [Fact]
    public async Task GetAgents_WithoutBearer_Returns401WithWwwAuthenticateBearer()
    {
        var ct = TestContext.Current.CancellationToken;
        using var client = council.CreateClient(bearer: null);

        using var response = await client.GetAsync("/api/agents", ct);

        await Problem.AssertAsync(response, HttpStatusCode.Unauthorized, ct);
        Assert.Equal("Bearer", Assert.Single(response.Headers.WwwAuthenticate).Scheme);
    }

    [Fact]
    public async Task GetAgents_WrongBearer_Returns401WithWwwAuthenticateBearer()
    {
        var ct = TestContext.Current.CancellationToken;
        using var client = council.CreateClient(bearer: "not-the-secret");

        using var response = await client.GetAsync("/api/agents", ct);

        await Problem.AssertAsync(response, HttpStatusCode.Unauthorized, ct);
        Assert.Equal("Bearer", Assert.Single(response.Headers.WwwAuthenticate).Scheme);
    }

    [Theory]
    [InlineData("bearer")]
    [InlineData("BEARER")]
    [InlineData("Bearer")]
    public async Task GetAgents_SchemeInAnyCase_Returns200(string scheme)
    {
        var ct = TestContext.Current.CancellationToken;
        using var client = council.CreateClient(bearer: null);
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/agents");
        request.Headers.TryAddWithoutValidation("Authorization", $"{scheme} {CouncilFixture.Secret}");

        using var response = await client.SendAsync(request, ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task PostAgent_WithoutBearer_Returns401BeforeLookingAtTheBody()
    {
        var ct = TestContext.Current.CancellationToken;
        using var client = council.CreateClient(bearer: null);
        using var content = new StringContent("not json", MediaTypeHeaderValue.Parse("text/plain"));

        using var response = await client.PostAsync("/api/agent/vasquez", content, ct);

        await Problem.AssertAsync(response, HttpStatusCode.Unauthorized, ct);
    }

    [Theory]
    [InlineData("/health")]
    [InlineData("/alive")]
    public async Task Probe_WithoutBearer_Answers(string path)
    {
        var ct = TestContext.Current.CancellationToken;
        using var client = council.CreateClient(bearer: null);

        using var response = await client.GetAsync(path, ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }
}
