using System.Net;
using System.Text.Json;
using Consilium.Council.Pricing;
using Consilium.Council.Tests.Hosting;
using Consilium.Streaming;
using Consilium.Testing;
using static Consilium.Council.Tests.Functional.CouncilStreamAssertions;

namespace Consilium.Council.Tests.Functional;

[Collection(CouncilCollection.Name)]
public sealed class CouncilApiTests(CouncilCluster cluster)
{
    private const string Question = "Should we convert a 1980s suburban office park into build-to-rent housing?";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private async Task<(HttpResponseMessage Response, SseTranscript Transcript)> AskAsync(object body, int replica = 0)
    {
        using var client = CouncilCluster.CreateClient(cluster.Orchestrators[replica]);
        var response = await SseClient.PostAsync(client, "/api/consilium", body, Ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        return (response, await SseClient.ReadToEndAsync(response, Ct));
    }

    [Fact]
    public async Task AskCouncil_TenAgentsSucceed_SessionFirstTenAgentDoneOneTensionMapDoneLast()
    {
        var (response, transcript) = await AskAsync(new { message = Question });
        using var _ = response;

        AssertWellFormed(transcript);
        var session = transcript.Events[0];
        Assert.Equal("session", session.EventType);
        var sessionId = session.Json.GetProperty("sessionId").GetString();
        Assert.Equal(sessionId, Assert.Single(response.Headers.GetValues("Consilium-Session")));
        Assert.False(string.IsNullOrEmpty(session.Json.GetProperty("resumeToken").GetString()));
        Assert.Equal(Roster.Ids, session.Json.GetProperty("agents").EnumerateArray().Select(a => a.GetProperty("id").GetString()));
        Assert.All(session.Json.GetProperty("agents").EnumerateArray(), a => Assert.False(string.IsNullOrEmpty(a.GetProperty("name").GetString())));

        Assert.Equal("done", transcript.Events[^1].EventType);
        Assert.Empty(transcript.OfType("agent_error"));
        var agentDone = transcript.OfType("agent_done").ToList();
        Assert.Equal(Roster.Ids.Order(), agentDone.Select(AgentOf).Order());
        var map = Assert.Single(transcript.OfType("tension_map"));
        Assert.True(Id(map) > agentDone.Max(Id), "The tension map must come after every agent settled.");

        var pricing = new PricingTable();
        var agentCost = 0m;
        foreach (var agent in Roster.Ids)
        {
            var events = transcript.Events.Where(e => e.EventType is "agent_start" or "delta" or "agent_done" && AgentOf(e) == agent).ToList();
            Assert.Equal("agent_start", events[0].EventType);
            Assert.Equal("agent_done", events[^1].EventType);
            Assert.Contains("<stance>", TextOf(transcript, agent), StringComparison.Ordinal);

            var done = events[^1].Json;
            Assert.Equal(JsonValueKind.Object, done.GetProperty("stance").ValueKind);
            Assert.InRange(done.GetProperty("stance").GetProperty("position").GetInt32(), -2, 2);
            var usage = done.GetProperty("usage");
            Assert.True(usage.GetProperty("input_tokens").GetInt64() + usage.GetProperty("cache_read_input_tokens").GetInt64() + usage.GetProperty("cache_creation_input_tokens").GetInt64() > 0);
            Assert.True(usage.GetProperty("output_tokens").GetInt64() > 0);
            Assert.InRange(done.GetProperty("ttftMs").GetInt64(), 0, done.GetProperty("durationMs").GetInt64());
            var model = done.GetProperty("model").GetString();
            Assert.False(string.IsNullOrEmpty(model));
            agentCost += pricing.Price(model, JsonSerializer.Deserialize<Usage>(usage.GetRawText())!).Usd;
        }

        var tension = map.Json;
        Assert.Equal(Roster.Ids, Strings(tension.GetProperty("agents")));
        AssertSquareSymmetricZeroDiagonal(tension.GetProperty("matrix"), 10);
        Assert.InRange(tension.GetProperty("consensus").GetDouble(), 0, 1);
        Assert.Empty(tension.GetProperty("missing").EnumerateArray());
        Assert.Equal(Roster.Ids, tension.GetProperty("positions").EnumerateObject().Select(p => p.Name));
        Assert.Equal(JsonValueKind.String, tension.GetProperty("synthesis").ValueKind);
        Assert.All(tension.GetProperty("axes").EnumerateArray(), axis =>
            Assert.All(Strings(axis.GetProperty("for")).Concat(Strings(axis.GetProperty("against"))), id => Assert.Contains(id, Roster.Ids)));
        var synthesisText = string.Concat(transcript.OfType("synthesis_delta").Select(e => e.Json.GetProperty("text").GetString()));
        Assert.Contains(tension.GetProperty("synthesis").GetString()!, JsonDocument.Parse(synthesisText).RootElement.GetProperty("synthesis").GetString(), StringComparison.Ordinal);

        var councilDone = transcript.Events[^1].Json;
        Assert.Equal(Roster.Ids, Strings(councilDone.GetProperty("succeeded")));
        Assert.Empty(councilDone.GetProperty("failed").EnumerateArray());
        var total = councilDone.GetProperty("usage");
        var summed = agentDone.Sum(e => e.Json.GetProperty("usage").GetProperty("output_tokens").GetInt64());
        Assert.True(total.GetProperty("output_tokens").GetInt64() > summed, "The council's usage includes the synthesis call.");
        Assert.True(councilDone.GetProperty("costUsd").GetDecimal() > Math.Round(agentCost, 6));
        Assert.True(councilDone.GetProperty("cacheSavingsUsd").GetDecimal() >= 0);
        Assert.True(councilDone.GetProperty("durationMs").GetInt64() > 0);
    }

    [Theory]
    [InlineData("[[sim agent=chen fault=500]]", "chen")]
    [InlineData("[[sim agent=webb fault=drop after=3]]", "webb")]
    [InlineData("[[sim agent=chen fault=500]] [[sim agent=webb fault=drop after=3]]", "webb,chen")]
    public async Task AskCouncil_SomeAgentsFail_OthersFinishAndTheMapListsTheFailedAsMissing(string directives, string failedList)
    {
        var failed = failedList.Split(',');
        var (response, transcript) = await AskAsync(new { message = $"{Question} {directives}" });
        using var _ = response;

        AssertWellFormed(transcript);
        Assert.Equal("done", transcript.Events[^1].EventType);
        Assert.Equal(failed, transcript.OfType("agent_error").Select(AgentOf).OrderBy(id => Array.IndexOf([.. Roster.Ids], id)));
        var succeeded = Roster.Ids.Except(failed).ToArray();
        Assert.Equal(succeeded.Order(), transcript.OfType("agent_done").Select(AgentOf).Order());
        if (failed.Contains("chen"))
        {
            var retry = Assert.Single(transcript.OfType("retry"), e => AgentOf(e) == "chen");
            Assert.Equal(500, retry.Json.GetProperty("status").GetInt32());
        }
        if (failed.Contains("webb"))
        {
            Assert.NotEmpty(TextOf(transcript, "webb"));
        }

        var map = Assert.Single(transcript.OfType("tension_map")).Json;
        Assert.Equal(failed, Strings(map.GetProperty("missing")));
        Assert.Equal(succeeded, Strings(map.GetProperty("agents")));
        AssertSquareSymmetricZeroDiagonal(map.GetProperty("matrix"), succeeded.Length);
        var done = transcript.Events[^1].Json;
        Assert.Equal(failed, Strings(done.GetProperty("failed")));
        Assert.Equal(succeeded, Strings(done.GetProperty("succeeded")));
    }

    [Fact]
    public async Task AskCouncil_EveryAgentFails_EndsWithErrorAndNoMap()
    {
        var (response, transcript) = await AskAsync(new { message = $"{Question} [[sim fault=500]]" });
        using var _ = response;

        AssertWellFormed(transcript);
        Assert.Equal(Roster.Ids.Order(), transcript.OfType("agent_error").Select(AgentOf).Order());
        Assert.Empty(transcript.OfType("tension_map"));
        Assert.Empty(transcript.OfType("done"));
        var error = transcript.Events[^1];
        Assert.Equal("error", error.EventType);
        Assert.Equal("unavailable", error.Json.GetProperty("code").GetString());
    }

    [Fact]
    public async Task AskCouncil_HostileAgentText_ArrivesIntactAsDataAndNeverBreaksFraming()
    {
        using var client = CouncilCluster.CreateClient(cluster.Orchestrators[0]);
        using var response = await SseClient.PostAsync(client, "/api/consilium", new { message = $"{Question} [[sim inject=hostile]]", synthesis = false }, Ct);
        var raw = await response.Content.ReadAsByteArrayAsync(Ct);

        // Framing: the only `event: done` line is the real terminal one; no raw CR or NUL reached the wire.
        var text = System.Text.Encoding.UTF8.GetString(raw);
        Assert.DoesNotContain('\r', text);
        Assert.DoesNotContain('\0', text);
        Assert.Single(text.Split('\n'), line => line == "event: done");

        var transcript = await SseClient.ReadToEndAsync(new HttpResponseMessage { Content = new ByteArrayContent(raw) }, Ct);
        AssertWellFormed(transcript);
        Assert.Equal("done", transcript.Events[^1].EventType);
        foreach (var agent in Roster.Ids)
        {
            Assert.Contains(Consilium.ModelSimulator.Generation.AnswerWriter.HostileText, TextOf(transcript, agent), StringComparison.Ordinal);
        }
        Assert.All(transcript.OfType("agent_done"), e => Assert.Equal(JsonValueKind.Object, e.Json.GetProperty("stance").ValueKind));
    }

    [Fact]
    public async Task AskCouncil_AgentsSubsetWithoutSynthesis_AsksOnlyThoseAndMapHasNoSynthesis()
    {
        var (response, transcript) = await AskAsync(new { message = Question, agents = new[] { "cross", "vasquez", "cross" }, synthesis = false });
        using var _ = response;

        AssertWellFormed(transcript);
        Assert.Equal(["vasquez", "cross"], transcript.Events[0].Json.GetProperty("agents").EnumerateArray().Select(a => a.GetProperty("id").GetString()));
        Assert.Equal(["vasquez", "cross"], Strings(transcript.Events[^1].Json.GetProperty("succeeded")));
        Assert.Empty(transcript.OfType("synthesis_delta"));
        var map = Assert.Single(transcript.OfType("tension_map")).Json;
        Assert.Equal(JsonValueKind.Null, map.GetProperty("synthesis").ValueKind);
        Assert.Empty(map.GetProperty("axes").EnumerateArray());
        AssertSquareSymmetricZeroDiagonal(map.GetProperty("matrix"), 2);
    }

    [Fact]
    public async Task AskCouncil_OneAgentOnly_DoneWithoutTensionMap()
    {
        var (response, transcript) = await AskAsync(new { message = Question, agents = new[] { "okafor" } });
        using var _ = response;

        AssertWellFormed(transcript);
        Assert.Empty(transcript.OfType("tension_map"));
        Assert.Equal(["okafor"], Strings(transcript.Events[^1].Json.GetProperty("succeeded")));
    }

    [Theory]
    [InlineData("""{"message": "x", "agents": ["vasquez", "nobody"]}""", "nobody")]
    [InlineData("""{"message": "x", "agents": []}""", "agents")]
    [InlineData("""{"message": ""}""", "message")]
    [InlineData("""{"message": "x", "synthesis": "yes"}""", "synthesis")]
    public async Task AskCouncil_InvalidBody_400ProblemNamingTheMistake(string body, string mentioned)
    {
        using var client = CouncilCluster.CreateClient(cluster.Orchestrators[0]);
        using var response = await client.PostAsync("/api/consilium", new StringContent(body, System.Text.Encoding.UTF8, "application/json"), Ct);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains(mentioned, await response.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);
    }

    [Fact]
    public async Task AskCouncil_NoBearer_401()
    {
        using var client = CouncilCluster.CreateClient(cluster.Orchestrators[0], bearer: null);
        using var response = await SseClient.PostAsync(client, "/api/consilium", new { message = Question }, Ct);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }
}
