using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Consilium.Council;
using Consilium.Testing;

namespace Consilium.EndToEnd.Tests;

/// <summary>The public API's refusals and listings, through the gateway and at an agent directly.</summary>
[Collection(SystemCollection.Name)]
public sealed class PublicApiTests(SystemFixture system)
{
    private readonly ProcessTopology _topology = system.Topology;

    [Fact]
    public async Task GetAgents_WithBearer_ListsTheTenInRosterOrder()
    {
        using var client = _topology.CreateGatewayClient();

        using var response = await client.GetAsync("/api/agents", TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken);
        var ids = body.GetProperty("agents").EnumerateArray().Select(agent => agent.GetProperty("id").GetString() ?? "").ToList();
        Assert.Equal(Roster.Ids, ids);
    }

    [Fact]
    public async Task PostAgent_MissingBearer_Returns401WithChallenge()
    {
        using var client = _topology.CreateGatewayClient(authenticated: false);

        using var response = await SseClient.PostAsync(client, "/api/agent/vasquez", new { message = "Hello?" }, TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Contains(response.Headers.WwwAuthenticate, challenge => challenge.Scheme.Equals("Bearer", StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public async Task PostAgent_UnknownAgent_Returns404Problem()
    {
        using var client = _topology.CreateGatewayClient();

        using var response = await SseClient.PostAsync(client, "/api/agent/nobody", new { message = "Hello?" }, TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken);
        Assert.Equal(404, problem.GetProperty("status").GetInt32());
        Assert.False(string.IsNullOrWhiteSpace(problem.GetProperty("detail").GetString()));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("not-the-internal-key")]
    public async Task Ask_WithoutTheInternalKey_Returns401AtTheAgent(string? bearer)
    {
        using var agent = ProcessTopology.CreateClient(_topology.AgentUrl("vasquez"), bearer);

        using var response = await SseClient.PostAsync(agent, "/v1/ask", new { message = "Hello?" }, TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task Ask_WithTheInternalKey_StreamsToDone()
    {
        using var agent = ProcessTopology.CreateClient(_topology.AgentUrl("vasquez"), _topology.InternalKey);

        using var response = await SseClient.PostAsync(agent, "/v1/ask", new { message = "Is a ground lease worth it?" }, TestContext.Current.CancellationToken);
        var transcript = await SseClient.ReadToEndAsync(response, TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("done", transcript.Terminal?.EventType);
    }
}
