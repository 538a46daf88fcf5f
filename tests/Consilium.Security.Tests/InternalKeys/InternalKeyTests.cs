using System.Net;
using System.Net.Http.Json;
using Consilium.Agent;
using Consilium.Security.Tests.Support;

namespace Consilium.Security.Tests.InternalKeys;

/// <summary>docs/api.md#agent-service-internal: each agent answers only its own key, never a browser; keys and secrets stay on their side.</summary>
public sealed class InternalKeyTests(LiveStack fixture) : IClassFixture<LiveStack>
{
    private const string Question = "Should we convert the 1980s office park into build-to-rent housing?";

    [Theory]
    [InlineData(null)]
    [InlineData("Bearer wrong-key")]
    [InlineData("Bearer " + LiveStack.WebbKey)]             // another agent's key
    [InlineData("Bearer " + LiveStack.SharedKey)]           // the shared key, overridden by INTERNAL_KEY_VASQUEZ
    [InlineData("Bearer " + OrchestratorHost.Secret)]                // the public secret
    [InlineData("Bearer " + LiveStack.VasquezKey + "x")]
    public async Task Ask_AgentWithoutItsOwnKey_Is401(string? authorization)
    {
        using var response = await AskAgentAsync(fixture.Vasquez, authorization, origin: null);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("Bearer", response.Headers.WwwAuthenticate.Single().Scheme);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Theory]
    [InlineData("https://evil.example")]
    [InlineData(OrchestratorHost.PublicOrigin)]
    [InlineData("null")]
    public async Task Ask_AgentWithItsKeyFromABrowser_Is403(string origin)
    {
        using var response = await AskAgentAsync(fixture.Vasquez, "Bearer " + LiveStack.VasquezKey, origin);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task Ask_EachAgentWithItsOwnKey_IsAnswered()
    {
        using var vasquez = await AskAgentAsync(fixture.Vasquez, "Bearer " + LiveStack.VasquezKey, origin: null);
        using var webb = await AskAgentAsync(fixture.Webb, "Bearer " + LiveStack.WebbKey, origin: null);

        Assert.Equal(HttpStatusCode.OK, vasquez.StatusCode);
        Assert.Equal(HttpStatusCode.OK, webb.StatusCode);
    }

    [Fact]
    public async Task AskAgent_ThroughTheOrchestrator_AgentSeesItsKeyNeverThePublicSecretAndTheClientNeverSeesAKey()
    {
        var before = fixture.VasquezRequests.Requests.Count;
        var since = Mark();
        using var client = fixture.Orchestrator.CreateAuthorizedClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, "api/agent/vasquez") { Content = JsonContent.Create(new { message = Question }) };
        request.Headers.Add("X-Internal-Key", OrchestratorHost.Secret);

        using var response = await client.SendAsync(request, TestContext.Current.CancellationToken);
        var body = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("event: done", body, StringComparison.Ordinal);
        var asked = Assert.Single(fixture.VasquezRequests.Requests.Skip(before), r => r.PathAndQuery.EndsWith("/v1/ask", StringComparison.Ordinal));
        Assert.Equal("Bearer " + LiveStack.VasquezKey, asked.Headers["Authorization"]);
        AssertNoPublicSecretDownstream(since);
        AssertNoInternalKey(response, body);
    }

    [Fact]
    public async Task AskCouncil_ThroughTheOrchestrator_EachAgentSeesOnlyItsOwnKeyAndTheClientNeverSeesAKey()
    {
        using var client = fixture.Orchestrator.CreateAuthorizedClient();
        var beforeVasquez = fixture.VasquezRequests.Requests.Count;
        var beforeWebb = fixture.WebbRequests.Requests.Count;
        var since = Mark();

        using var response = await client.PostAsJsonAsync("api/consilium", new { message = Question, agents = new[] { "vasquez", "webb" } }, TestContext.Current.CancellationToken);
        var body = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("event: done", body, StringComparison.Ordinal);
        Assert.Contains("event: tension_map", body, StringComparison.Ordinal);
        Assert.All(fixture.VasquezRequests.Requests.Skip(beforeVasquez).Where(IsQuestion), r => Assert.Equal("Bearer " + LiveStack.VasquezKey, r.Headers["Authorization"]));
        Assert.All(fixture.WebbRequests.Requests.Skip(beforeWebb).Where(IsQuestion), r => Assert.Equal("Bearer " + LiveStack.WebbKey, r.Headers["Authorization"]));
        Assert.Contains(fixture.VasquezRequests.Requests.Skip(beforeVasquez), IsQuestion);
        Assert.Contains(fixture.WebbRequests.Requests.Skip(beforeWebb), IsQuestion);
        AssertNoPublicSecretDownstream(since);
        AssertNoInternalKey(response, body);
    }

    [Fact]
    public async Task AskAgent_OrchestratorHoldsAWrongKey_TheClientLearnsTheAgentRefusedButNotTheKey()
    {
        const string wrongKey = "stale-webb-key-0123456789abcdefghijklmnopqrs";
        await using var orchestrator = new OrchestratorHost(fixture.OrchestratorSettings(wrongKey));
        await orchestrator.InitializeAsync();
        using var client = orchestrator.CreateAuthorizedClient();

        using var response = await client.PostAsJsonAsync("api/agent/webb", new { message = Question }, TestContext.Current.CancellationToken);
        var body = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        using var agents = await client.GetAsync("api/agents", TestContext.Current.CancellationToken);
        var list = await agents.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);

        Assert.Contains("event: error", body, StringComparison.Ordinal);
        Assert.DoesNotContain(wrongKey, body, StringComparison.Ordinal);
        Assert.DoesNotContain(wrongKey, list, StringComparison.Ordinal);
        AssertNoInternalKey(response, body);
        Assert.DoesNotContain(orchestrator.Logs.Lines, l => l.Message.Contains(wrongKey, StringComparison.Ordinal));
    }

    private static bool IsQuestion(CapturedRequest request) => request.PathAndQuery.EndsWith("/v1/ask", StringComparison.Ordinal);

    /// <summary>Where each recording stands now (tests of one class run one at a time).</summary>
    private (int Vasquez, int Webb, int Simulator) Mark() =>
        (fixture.VasquezRequests.Requests.Count, fixture.WebbRequests.Requests.Count, fixture.SimulatorRequests.Requests.Count);

    /// <summary>Nothing the orchestrator sent downstream since <paramref name="since"/> carries the public secret; the model never sees an internal key.</summary>
    private void AssertNoPublicSecretDownstream((int Vasquez, int Webb, int Simulator) since)
    {
        var simulator = fixture.SimulatorRequests.Requests.Skip(since.Simulator).ToList();
        var downstream = fixture.VasquezRequests.Requests.Skip(since.Vasquez).Concat(fixture.WebbRequests.Requests.Skip(since.Webb)).Concat(simulator).ToList();
        Assert.NotEmpty(simulator);
        foreach (var request in downstream)
        {
            Assert.DoesNotContain(OrchestratorHost.Secret, request.AllText, StringComparison.Ordinal);
        }
        foreach (var request in simulator)
        {
            Assert.All(LiveStack.AllInternalKeys, key => Assert.DoesNotContain(key, request.AllText, StringComparison.Ordinal));
        }
    }

    private static void AssertNoInternalKey(HttpResponseMessage response, string body)
    {
        var headers = string.Join("\n", response.Headers.Concat(response.Content.Headers).Select(h => $"{h.Key}: {string.Join(",", h.Value)}"));
        foreach (var key in LiveStack.AllInternalKeys)
        {
            Assert.DoesNotContain(key, headers, StringComparison.Ordinal);
            Assert.DoesNotContain(key, body, StringComparison.Ordinal);
        }
    }

    private static async Task<HttpResponseMessage> AskAgentAsync(KestrelHost<AgentApp> agent, string? authorization, string? origin)
    {
        using var client = agent.CreateSocketClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, "v1/ask") { Content = JsonContent.Create(new { message = "[[sim tokens=10]] " + Question }) };
        if (authorization is not null)
        {
            request.Headers.TryAddWithoutValidation("Authorization", authorization);
        }
        if (origin is not null)
        {
            request.Headers.Add("Origin", origin);
        }
        var response = await client.SendAsync(request, TestContext.Current.CancellationToken);
        await response.Content.LoadIntoBufferAsync(TestContext.Current.CancellationToken);
        return response;
    }
}
