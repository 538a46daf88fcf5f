using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Consilium.Testing;

namespace Consilium.EndToEnd.Tests;

/// <summary>A conversation through the gateway, on the in-process conversation store (one orchestrator, no Redis).</summary>
[Collection(SystemCollection.Name)]
public sealed class ConversationTests(SystemFixture system)
{
    private const string Question = "Should a mid-size city turn a vacant downtown mall into a mixed-income housing block? [[sim ttft=5 rate=2000 tokens=80]]";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private async Task<SseTranscript> RoundAsync(HttpClient client, object body)
    {
        using var response = await SseClient.PostAsync(client, "/api/consilium", body, Ct);
        Assert.True(response.StatusCode == HttpStatusCode.OK, await response.Content.ReadAsStringAsync(Ct));
        var transcript = await SseClient.ReadToEndAsync(response, Ct);
        Assert.Equal("done", transcript.Events[^1].EventType);
        return transcript;
    }

    [Fact]
    public async Task QuestionFollowUpRebuttal_ThroughTheGateway_TranscriptAndExportHoldEveryRound()
    {
        using var client = system.Topology.CreateGatewayClient();
        var round1 = await RoundAsync(client, new { message = Question, synthesis = false });
        var conversationId = round1.Events[0].Json.GetProperty("conversationId").GetString()!;
        await RoundAsync(client, new { conversationId, message = "Who pays if it fails? [[sim ttft=5 rate=2000 tokens=80]]", agents = new[] { "vasquez", "diallo", "cross" }, synthesis = false });
        var round3 = await RoundAsync(client, new { conversationId, mode = "rebuttal", synthesis = false });

        Assert.Equal(3, round3.Events[0].Json.GetProperty("round").GetInt32());
        var map = Assert.Single(round3.OfType("tension_map")).Json;
        Assert.Equal(10, map.GetProperty("moved").GetArrayLength() + map.GetProperty("held").GetArrayLength());
        Assert.Contains("cross", map.GetProperty("held").EnumerateArray().Select(e => e.GetString()));

        var transcript = await client.GetFromJsonAsync<JsonElement>($"/api/consilium/conversations/{conversationId}", Ct);
        Assert.Equal(3, transcript.GetProperty("rounds").GetArrayLength());
        using var export = await client.GetAsync($"/api/consilium/conversations/{conversationId}/export?format=markdown", Ct);
        Assert.Equal("attachment", export.Content.Headers.ContentDisposition?.DispositionType);
        var markdown = await export.Content.ReadAsStringAsync(Ct);
        Assert.Contains("## Round 3 (rebuttal)", markdown, StringComparison.Ordinal);

        using var anonymous = system.Topology.CreateGatewayClient(authenticated: false);
        using var refused = await anonymous.GetAsync($"/api/consilium/conversations/{conversationId}", Ct);
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
    }
}
