using System.Net;
using System.Net.Http.Json;
using Consilium.Agent.Tests.Hosting;

namespace Consilium.Agent.Tests.Api;

/// <summary>Only the orchestrator, holding this agent's key, may ask; browsers never (docs/api.md#agent-service-internal).</summary>
public sealed class AskSecurityTests(AskSecurityTests.KeyedAgent fixture) : IClassFixture<AskSecurityTests.KeyedAgent>
{
    private const string SharedKey = "shared-key";
    private const string VasquezKey = "vasquez-key";
    private const string WebbKey = "webb-key";

    private readonly AgentHost _agent = fixture.Agent;

    /// <summary>Agent vasquez with its own key, beside a shared key and another agent's key.</summary>
    public sealed class KeyedAgent(SimulatorHost simulator) : IDisposable
    {
        public AgentHost Agent { get; } = AgentHost.Start(simulator,
            ("INTERNAL_KEY", SharedKey), ("INTERNAL_KEY_VASQUEZ", VasquezKey), ("INTERNAL_KEY_WEBB", WebbKey));

        public void Dispose() => Agent.Dispose();
    }

    [Theory]
    [InlineData(null)]
    [InlineData("Bearer wrong-key")]
    [InlineData("Bearer " + WebbKey)]
    [InlineData("Bearer " + SharedKey)]
    [InlineData("Basic " + VasquezKey)]
    [InlineData("Bearer " + VasquezKey + " " + VasquezKey)]
    [InlineData("Bearer")]
    [InlineData(VasquezKey)]
    public async Task Ask_WithoutThisAgentsKey_Returns401ProblemWithBearerChallenge(string? authorization)
    {
        using var request = Ask(authorization);

        using var response = await _agent.Http.SendAsync(request, TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("Bearer", Assert.Single(response.Headers.WwwAuthenticate).Scheme);
        await AssertProblemAsync(response, 401);
    }

    [Theory]
    [InlineData("Bearer " + VasquezKey)]
    [InlineData("bearer " + VasquezKey)]
    [InlineData("BEARER   " + VasquezKey + "  ")]
    public async Task Ask_WithThisAgentsKey_StreamsAnAnswer(string authorization)
    {
        using var request = Ask(authorization);

        using var response = await _agent.Http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
    }

    [Theory]
    [InlineData("https://evil.example", true)]
    [InlineData("null", true)]
    [InlineData("http://localhost:8080", false)]
    public async Task Ask_WithOriginHeader_Returns403BeforeCheckingTheKey(string origin, bool withKey)
    {
        using var request = Ask(withKey ? "Bearer " + VasquezKey : null);
        request.Headers.Add("Origin", origin);

        using var response = await _agent.Http.SendAsync(request, TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        await AssertProblemAsync(response, 403);
    }

    internal static async Task AssertProblemAsync(HttpResponseMessage response, int status)
    {
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<System.Text.Json.JsonElement>(TestContext.Current.CancellationToken);
        Assert.Equal(status, problem.GetProperty("status").GetInt32());
        Assert.False(string.IsNullOrWhiteSpace(problem.GetProperty("title").GetString()));
        Assert.False(string.IsNullOrWhiteSpace(problem.GetProperty("detail").GetString()));
    }

    private static HttpRequestMessage Ask(string? authorization)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/v1/ask")
        {
            Content = JsonContent.Create(new { message = "[[sim ttft=5 rate=2000 tokens=20]] Should we refinance the portfolio now?" }),
        };
        if (authorization is not null)
        {
            request.Headers.TryAddWithoutValidation("Authorization", authorization);
        }
        return request;
    }
}
