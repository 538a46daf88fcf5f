using System.Collections.Concurrent;
using System.Text.Json;
using ModelContextProtocol;
using ModelContextProtocol.Client;
using ModelContextProtocol.Protocol;

namespace Consilium.Clients.Tests;

/// <summary>The MCP server at <c>/mcp</c>, through the gateway, driven by the SDK's own client.</summary>
[Collection(SystemCollection.Name)]
public sealed class McpTests(SystemFixture system)
{
    private async Task<McpClient> ConnectAsync(string? bearer, CancellationToken ct)
    {
        var options = new HttpClientTransportOptions
        {
            Endpoint = new Uri(system.Topology.GatewayUrl, "/mcp"),
            TransportMode = HttpTransportMode.StreamableHttp,
            AdditionalHeaders = bearer is null ? new Dictionary<string, string>() : new Dictionary<string, string> { ["Authorization"] = $"Bearer {bearer}" },
        };
        return await McpClient.CreateAsync(new HttpClientTransport(options), cancellationToken: ct);
    }

    [Fact]
    public async Task Initialize_ListsTheThreeTools()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var client = await ConnectAsync(system.Topology.Secret, ct);

        var tools = await client.ListToolsAsync(cancellationToken: ct);

        Assert.Equal("consilium", client.ServerInfo?.Name);
        Assert.Equal(["ask_agent", "ask_council", "list_agents"], tools.Select(t => t.Name).Order());
        var council = tools.Single(t => t.Name == "ask_council");
        Assert.Contains("question", council.JsonSchema.GetProperty("required").EnumerateArray().Select(e => e.GetString()));
    }

    [Fact]
    public async Task AskCouncil_ReportsProgressPerAgentAndReturnsStancesMapAndSynthesis()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var client = await ConnectAsync(system.Topology.Secret, ct);
        var progress = new Collected();

        var result = await client.CallToolAsync(
            "ask_council",
            new Dictionary<string, object?> { ["question"] = "Should we convert a 1970s office block into flats?", ["agents"] = new[] { "vasquez", "webb", "cross" } },
            progress,
            cancellationToken: ct);

        var text = string.Concat(result.Content.OfType<TextContentBlock>().Select(b => b.Text));
        Assert.True(result.IsError is not true, text);
        Assert.True(progress.Values.Count >= 3, $"progress notifications: {progress.Values.Count}");
        Assert.Contains(progress.Values, value => value.Progress == 3 && value.Total == 3);
        var structured = Assert.IsType<JsonElement>(result.StructuredContent);
        var agents = structured.GetProperty("agents").EnumerateArray().ToArray();
        Assert.Equal(3, agents.Length);
        Assert.All(agents, agent => Assert.Equal(JsonValueKind.Null, agent.GetProperty("answer").ValueKind)); // full answers only when asked
        Assert.True(structured.GetProperty("tensionMap").GetProperty("consensus").GetDouble() is >= 0 and <= 1);
        Assert.Equal(JsonValueKind.Array, structured.GetProperty("tensionMap").GetProperty("axes").ValueKind);
        Assert.Contains("Consensus", text, StringComparison.Ordinal);
        Assert.Contains("Stances", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AskCouncil_DetailFull_IncludesEveryAnswer()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var client = await ConnectAsync(system.Topology.Secret, ct);

        var result = await client.CallToolAsync(
            "ask_council",
            new Dictionary<string, object?> { ["question"] = "Is a ground lease worth it?", ["agents"] = new[] { "chen", "okafor" }, ["synthesis"] = false, ["detail"] = "full" },
            cancellationToken: ct);

        var agents = Assert.IsType<JsonElement>(result.StructuredContent).GetProperty("agents").EnumerateArray().ToArray();
        Assert.All(agents, agent => Assert.Contains("<stance>", agent.GetProperty("answer").GetString(), StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("""{"question":""}""", "question")]
    [InlineData("""{"question":"Hello?","agents":["nobody"]}""", "nobody")]
    [InlineData("""{"question":"Hello?","detail":"everything"}""", "detail")]
    public async Task AskCouncil_BadInput_IsAToolErrorNamingTheArgument(string arguments, string named)
    {
        var ct = TestContext.Current.CancellationToken;
        await using var client = await ConnectAsync(system.Topology.Secret, ct);
        var args = JsonSerializer.Deserialize<Dictionary<string, object?>>(arguments)!;

        var result = await client.CallToolAsync("ask_council", args, cancellationToken: ct);

        Assert.True(result.IsError);
        var text = string.Concat(result.Content.OfType<TextContentBlock>().Select(b => b.Text));
        Assert.Contains(named, text, StringComparison.Ordinal);
        Assert.StartsWith("Invalid input", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ListAgentsAndAskAgent_Answer()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var client = await ConnectAsync(system.Topology.Secret, ct);

        var agents = await client.CallToolAsync("list_agents", new Dictionary<string, object?>(), cancellationToken: ct);
        var answer = await client.CallToolAsync("ask_agent", new Dictionary<string, object?> { ["agent"] = "vasquez", ["question"] = "Is a ground lease worth it?" }, cancellationToken: ct);
        var unknown = await client.CallToolAsync("ask_agent", new Dictionary<string, object?> { ["agent"] = "nobody", ["question"] = "Hello?" }, cancellationToken: ct);

        Assert.Equal(10, Assert.IsType<JsonElement>(agents.StructuredContent).GetProperty("agents").GetArrayLength());
        Assert.True(answer.IsError is not true);
        Assert.Contains("<stance>", Assert.IsType<JsonElement>(answer.StructuredContent).GetProperty("answer").GetString(), StringComparison.Ordinal);
        Assert.True(unknown.IsError);
    }

    [Fact]
    public async Task Connect_WithoutTheBearer_IsRefusedWith401()
    {
        var ct = TestContext.Current.CancellationToken;

        var error = await Assert.ThrowsAnyAsync<Exception>(() => ConnectAsync(null, ct));

        Assert.Contains("401", error.ToString(), StringComparison.Ordinal);
    }

    /// <summary>Records each notification as it is reported (not posted to a context, as <c>Progress&lt;T&gt;</c> would).</summary>
    private sealed class Collected : IProgress<ProgressNotificationValue>
    {
        private readonly ConcurrentQueue<ProgressNotificationValue> _values = new();

        public IReadOnlyList<ProgressNotificationValue> Values => [.. _values];

        public void Report(ProgressNotificationValue value) => _values.Enqueue(value);
    }
}
