using System.Net;
using System.Net.Http.Json;
using Consilium.Security.Tests.Support;

namespace Consilium.Security.Tests.Cors;

/// <summary>docs/api.md#public-api layer 1, against a real orchestrator whose agents record every question they get.</summary>
public sealed class CorsTests(CorsTests.Orchestrator orchestrator) : IClassFixture<CorsTests.Orchestrator>
{
    private readonly RecordingAgents _agents = orchestrator.Agents;
    private readonly OrchestratorHost _host = orchestrator.Host;

    public sealed class Orchestrator() : RecordedOrchestrator(new Dictionary<string, string?>
    {
        ["ALLOWED_ORIGINS"] = $"{OrchestratorHost.PublicOrigin}, https://partner.example",
        ["RATE_LIMIT_PER_MINUTE"] = "100000",
    });

    [Theory]
    [InlineData("https://evil.example")]
    [InlineData("null")]
    [InlineData("https://consilium.example.evil.example")]
    [InlineData("http://consilium.example")]
    [InlineData("https://consilium.example:8443")]
    public async Task Ask_UnlistedOrigin_Is403BeforeAnyAgentIsCalled(string origin)
    {
        using var client = _host.CreateAuthorizedClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, "api/agent/vasquez") { Content = JsonContent.Create(new { message = "Hello" }) };
        request.Headers.Add("Origin", origin);

        using var response = await client.SendAsync(request, TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<ProblemBody>(TestContext.Current.CancellationToken);
        Assert.Equal(403, problem!.Status);
        Assert.False(string.IsNullOrWhiteSpace(problem.Detail));
        Assert.False(response.Headers.Contains("Access-Control-Allow-Origin"));
        Assert.False(response.Headers.Contains("RateLimit-Limit")); // refused before the rate limit
        Assert.Empty(_agents.Questions);
    }

    [Fact]
    public async Task Ask_UnlistedOriginWithABodyNeverSent_Is403WithoutWaitingForTheBody()
    {
        await using var raw = await RawHttp.ConnectAsync(_host.BaseAddress, TestContext.Current.CancellationToken);
        await raw.SendAsync(
            "POST /api/agent/vasquez HTTP/1.1\r\nHost: x\r\nOrigin: https://evil.example\r\n" +
            $"Authorization: Bearer {OrchestratorHost.Secret}\r\nContent-Type: application/json\r\nContent-Length: 60000\r\n\r\n",
            TestContext.Current.CancellationToken);

        var response = await raw.ReadHeadAsync(TimeSpan.FromSeconds(5), TestContext.Current.CancellationToken);

        Assert.Equal(403, response.Status);
        Assert.Empty(_agents.Questions);
    }

    [Fact]
    public async Task Ask_TwoOriginHeaders_Is403()
    {
        using var client = _host.CreateAuthorizedClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, "api/agents");
        request.Headers.TryAddWithoutValidation("Origin", [OrchestratorHost.PublicOrigin, "https://evil.example"]);

        using var response = await client.SendAsync(request, TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
    }

    [Theory]
    [InlineData(OrchestratorHost.PublicOrigin, "api/consilium")]
    [InlineData("https://partner.example", "api/agent/vasquez")]
    [InlineData(OrchestratorHost.PublicOrigin, "api/consilium/sessions/abc/events")]
    public async Task Preflight_AllowedOrigin_Is204WithTheExactOriginAndNoCredentialsAsked(string origin, string path)
    {
        using var client = _host.CreateSocketClient(); // no Authorization: a preflight never carries it
        using var request = new HttpRequestMessage(HttpMethod.Options, path);
        request.Headers.Add("Origin", origin);
        request.Headers.Add("Access-Control-Request-Method", "POST");
        request.Headers.Add("Access-Control-Request-Headers", "authorization, content-type, last-event-id");

        using var response = await client.SendAsync(request, TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.NoContent, response.StatusCode);
        Assert.Equal(origin, response.Headers.GetValues("Access-Control-Allow-Origin").Single());
        var allowed = response.Headers.GetValues("Access-Control-Allow-Headers").Single()
            .Split(',', StringSplitOptions.TrimEntries).Select(h => h.ToLowerInvariant()).ToHashSet();
        Assert.Superset(new HashSet<string> { "authorization", "content-type", "last-event-id" }, allowed);
        Assert.Contains("Origin", response.Headers.Vary);
        Assert.False(response.Headers.Contains("Access-Control-Allow-Credentials"));
        Assert.Null(response.Headers.WwwAuthenticate.FirstOrDefault());
        Assert.Empty(_agents.Questions);
    }

    [Fact]
    public async Task Preflight_UnlistedOrigin_Is403()
    {
        using var client = _host.CreateSocketClient();
        using var request = new HttpRequestMessage(HttpMethod.Options, "api/consilium");
        request.Headers.Add("Origin", "https://evil.example");
        request.Headers.Add("Access-Control-Request-Method", "POST");

        using var response = await client.SendAsync(request, TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.False(response.Headers.Contains("Access-Control-Allow-Origin"));
    }

    [Fact]
    public async Task Agents_AllowedOrigin_IsAnsweredWithTheOriginAndReadableRateLimitHeaders()
    {
        using var client = _host.CreateAuthorizedClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, "api/agents");
        request.Headers.Add("Origin", OrchestratorHost.PublicOrigin);

        using var response = await client.SendAsync(request, TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(OrchestratorHost.PublicOrigin, response.Headers.GetValues("Access-Control-Allow-Origin").Single());
        Assert.Contains("Origin", response.Headers.Vary);
        var exposed = response.Headers.GetValues("Access-Control-Expose-Headers").Single();
        Assert.Contains("RateLimit-Remaining", exposed, StringComparison.Ordinal);
        Assert.Contains("Consilium-Session", exposed, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Agents_AllowedOriginWithoutBearer_Is401ThatThePageCanRead()
    {
        using var client = _host.CreateSocketClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, "api/agents");
        request.Headers.Add("Origin", "https://partner.example");

        using var response = await client.SendAsync(request, TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("https://partner.example", response.Headers.GetValues("Access-Control-Allow-Origin").Single());
    }

    [Fact]
    public async Task Agents_NoOrigin_GoesOnToTheBearerCheck()
    {
        using var anonymous = _host.CreateSocketClient();
        using var authorized = _host.CreateAuthorizedClient();

        using var refused = await anonymous.GetAsync("api/agents", TestContext.Current.CancellationToken);
        using var admitted = await authorized.GetAsync("api/agents", TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        Assert.Equal(HttpStatusCode.OK, admitted.StatusCode);
        Assert.False(admitted.Headers.Contains("Access-Control-Allow-Origin"));
    }

    [Theory]
    [InlineData("health")]
    [InlineData("alive")]
    public async Task Probes_AnyOriginNoBearer_AreNotPublicApi(string path)
    {
        using var client = _host.CreateSocketClient();
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Add("Origin", "https://evil.example");

        using var response = await client.SendAsync(request, TestContext.Current.CancellationToken);

        Assert.NotEqual(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.NotEqual(HttpStatusCode.Unauthorized, response.StatusCode);
    }
}
