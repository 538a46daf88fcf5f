using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Consilium.Council.Tests.Hosting;
using Consilium.Testing;
using static Consilium.Council.Tests.Functional.CouncilStreamAssertions;

namespace Consilium.Council.Tests.Functional;

/// <summary>Conversations over real processes: two orchestrator replicas on real Redis, ten real agents, the simulator.</summary>
[Collection(CouncilCollection.Name)]
public sealed class ConversationTests(CouncilCluster cluster)
{
    private const string Question = "Should we convert a 1980s suburban office park into build-to-rent housing?";
    private const string FollowUp = "What would the first twelve months of that conversion cost, and what could go wrong first?";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private async Task<SseTranscript> AskAsync(object body, int replica)
    {
        using var client = CouncilCluster.CreateClient(cluster.Orchestrators[replica]);
        using var response = await SseClient.PostAsync(client, "/api/consilium", body, Ct);
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"POST /api/consilium answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync(Ct)}");
        var transcript = await SseClient.ReadToEndAsync(response, Ct);
        AssertWellFormed(transcript);
        Assert.Equal("done", transcript.Events[^1].EventType);
        return transcript;
    }

    private async Task<HttpResponseMessage> PostAsync(object body, int replica = 0)
    {
        using var client = CouncilCluster.CreateClient(cluster.Orchestrators[replica]);
        return await SseClient.PostAsync(client, "/api/consilium", body, Ct);
    }

    private static async Task AssertProblemAsync(HttpResponseMessage response, HttpStatusCode status, string detailContains)
    {
        Assert.Equal(status, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<JsonElement>(Ct);
        Assert.Contains(detailContains, problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    private static JsonElement Map(SseTranscript transcript) => Assert.Single(transcript.OfType("tension_map")).Json;

    [Fact]
    public async Task ThreeRounds_AcrossReplicas_ThreadsCacheShiftsTranscriptAndExport()
    {
        // Round 1 on replica A.
        var round1 = await AskAsync(new { message = Question }, replica: 0);
        var session1 = round1.Events[0].Json;
        var conversationId = session1.GetProperty("conversationId").GetString()!;
        Assert.Equal(1, session1.GetProperty("round").GetInt32());
        Assert.Equal(22, conversationId.Length); // 128 random bits, base64url
        Assert.NotEqual(session1.GetProperty("sessionId").GetString(), conversationId);
        var map1 = Map(round1);
        Assert.Empty(map1.GetProperty("moved").EnumerateArray());
        Assert.All(map1.GetProperty("axes").EnumerateArray(), axis =>
        {
            var followUp = axis.GetProperty("followUp");
            Assert.Contains(axis.GetProperty("crux").GetString()!.TrimEnd('.'), followUp.GetProperty("message").GetString(), StringComparison.Ordinal);
            Assert.Equal(Strings(axis.GetProperty("for")).Concat(Strings(axis.GetProperty("against"))).Distinct(), Strings(followUp.GetProperty("agents")));
        });
        var coalition = map1.GetProperty("coalitions").EnumerateArray().Select(Strings).FirstOrDefault(c => c.Count >= 2 && c.Count < 10)
            ?? ["vasquez", "webb"];

        // Round 2, a follow-up to one coalition, on replica B.
        var before = (await cluster.SimulatorRequestsAsync(Ct)).Count;
        var round2 = await AskAsync(new { conversationId, message = FollowUp, agents = coalition }, replica: 1);
        var session2 = round2.Events[0].Json;
        Assert.Equal(conversationId, session2.GetProperty("conversationId").GetString());
        Assert.Equal(2, session2.GetProperty("round").GetInt32());
        Assert.Equal(coalition, session2.GetProperty("agents").EnumerateArray().Select(a => a.GetProperty("id").GetString()!));
        var requests = (await cluster.SimulatorRequestsAsync(Ct)).Skip(before).ToList();
        foreach (var agent in coalition)
        {
            var request = Assert.Single(requests, r => r.GetProperty("seat").GetString() == agent);
            var messages = request.GetProperty("messages").EnumerateArray().ToList();
            Assert.Equal(["user", "assistant", "user"], messages.Select(m => m.GetProperty("role").GetString()));
            Assert.Equal(Question, messages[0].GetProperty("text").GetString());
            Assert.Equal(TextOf(round1, agent), messages[1].GetProperty("text").GetString());
            Assert.Equal(FollowUp, messages[2].GetProperty("text").GetString());
            foreach (var other in Roster.Ids.Where(id => id != agent))
            {
                Assert.NotEqual(TextOf(round1, other), messages[1].GetProperty("text").GetString());
            }
            Assert.Contains("Picking up our thread", TextOf(round2, agent), StringComparison.Ordinal);
        }
        var map2 = Map(round2);
        Assert.Equal(Roster.Ids.Except(coalition), Strings(map2.GetProperty("notAsked")));
        Assert.Equal(coalition.Order(), Strings(map2.GetProperty("moved")).Concat(Strings(map2.GetProperty("held"))).Order());

        // Round 3, a rebuttal of everyone, back on replica A.
        var round3 = await AskAsync(new { conversationId, mode = "rebuttal" }, replica: 0);
        Assert.Equal(3, round3.Events[0].Json.GetProperty("round").GetInt32());
        Assert.Equal("rebuttal", round3.Events[0].Json.GetProperty("mode").GetString());
        var map3 = Map(round3);
        var moved = Strings(map3.GetProperty("moved"));
        var held = Strings(map3.GetProperty("held"));
        Assert.NotEmpty(moved);
        Assert.NotEmpty(held);
        var latest = Roster.Ids.ToDictionary(id => id, id => StanceOf(coalition.Contains(id) ? round2 : round1, id));
        foreach (var (id, shift) in map3.GetProperty("shifts").EnumerateObject().Select(p => (p.Name, p.Value)))
        {
            var now = StanceOf(round3, id);
            Assert.Equal(latest[id].GetProperty("position").GetInt32(), shift.GetProperty("from").GetInt32());
            Assert.Equal(now.GetProperty("position").GetInt32(), shift.GetProperty("to").GetInt32());
            Assert.Equal(latest[id].GetProperty("confidence").GetDouble(), shift.GetProperty("confidenceFrom").GetDouble());
            Assert.Equal(now.GetProperty("confidence").GetDouble(), shift.GetProperty("confidenceTo").GetDouble());
            Assert.Equal(shift.GetProperty("from").GetInt32() != shift.GetProperty("to").GetInt32(), moved.Contains(id));
            Assert.Contains(moved.Contains(id) ? "I move from" : "I hold at", TextOf(round3, id), StringComparison.Ordinal);
        }

        // Cache reads grow on the thread prefix: round 3 reads round 2's thread prefix, round 2 only the system prompt.
        foreach (var agent in coalition)
        {
            var read1 = CacheRead(round1, agent);
            var read2 = CacheRead(round2, agent);
            var read3 = CacheRead(round3, agent);
            Assert.True(read3 > read2 && read2 >= read1, $"{agent}: cache reads per round {read1}, {read2}, {read3} should grow.");
        }

        // The transcript and the Markdown export, from either replica.
        using var client = CouncilCluster.CreateClient(cluster.Orchestrators[1]);
        var transcript = await client.GetFromJsonAsync<JsonElement>($"/api/consilium/conversations/{conversationId}", Ct);
        var rounds = transcript.GetProperty("rounds").EnumerateArray().ToList();
        Assert.Equal([1, 2, 3], rounds.Select(r => r.GetProperty("round").GetInt32()));
        Assert.Equal(["ask", "ask", "rebuttal"], rounds.Select(r => r.GetProperty("mode").GetString()));
        Assert.Equal(TextOf(round2, coalition[0]), rounds[1].GetProperty("answers").EnumerateArray().First(a => a.GetProperty("agent").GetString() == coalition[0]).GetProperty("text").GetString());
        Assert.Equal(rounds.Sum(r => r.GetProperty("costUsd").GetDecimal()), transcript.GetProperty("costUsd").GetDecimal());
        Assert.Equal(
            rounds.Sum(r => r.GetProperty("usage").GetProperty("output_tokens").GetInt64()),
            transcript.GetProperty("usage").GetProperty("output_tokens").GetInt64());
        Assert.Equal(moved, Strings(rounds[2].GetProperty("tensionMap").GetProperty("moved")));

        using var markdown = await client.GetAsync($"/api/consilium/conversations/{conversationId}/export?format=markdown", Ct);
        Assert.Equal(HttpStatusCode.OK, markdown.StatusCode);
        Assert.Equal("text/markdown", markdown.Content.Headers.ContentType?.MediaType);
        Assert.Equal("attachment", markdown.Content.Headers.ContentDisposition?.DispositionType);
        Assert.Equal($"consilium-{conversationId}.md", markdown.Content.Headers.ContentDisposition?.FileNameStar ?? markdown.Content.Headers.ContentDisposition?.FileName?.Trim('"'));
        var text = await markdown.Content.ReadAsStringAsync(Ct);
        Assert.Contains("## Round 1", text, StringComparison.Ordinal);
        Assert.Contains("## Round 2", text, StringComparison.Ordinal);
        Assert.Contains("## Round 3 (rebuttal)", text, StringComparison.Ordinal);
        Assert.Contains(Question, text, StringComparison.Ordinal);
        Assert.Contains(FollowUp, text, StringComparison.Ordinal);
        Assert.Contains(" moved: ", text, StringComparison.Ordinal);

        using var json = await client.GetAsync($"/api/consilium/conversations/{conversationId}/export?format=json", Ct);
        Assert.Equal("application/json", json.Content.Headers.ContentType?.MediaType);
        Assert.Equal("attachment", json.Content.Headers.ContentDisposition?.DispositionType);
        Assert.Equal(3, (await json.Content.ReadFromJsonAsync<JsonElement>(Ct)).GetProperty("rounds").GetArrayLength());
    }

    private static JsonElement StanceOf(SseTranscript transcript, string agent) =>
        transcript.OfType("agent_done").Single(e => AgentOf(e) == agent).Json.GetProperty("stance");

    private static long CacheRead(SseTranscript transcript, string agent) =>
        transcript.OfType("agent_done").Single(e => AgentOf(e) == agent).Json.GetProperty("usage").GetProperty("cache_read_input_tokens").GetInt64();

    [Fact]
    public async Task UnknownConversation_Is404()
    {
        using var random = await PostAsync(new { conversationId = "AAAAAAAAAAAAAAAAAAAAAA", message = FollowUp });
        await AssertProblemAsync(random, HttpStatusCode.NotFound, "There is no conversation 'AAAAAAAAAAAAAAAAAAAAAA'");
        using var malformed = await PostAsync(new { conversationId = "../../etc", message = FollowUp });
        await AssertProblemAsync(malformed, HttpStatusCode.NotFound, "There is no conversation");
        using var client = CouncilCluster.CreateClient(cluster.Orchestrators[0]);
        using var transcript = await client.GetAsync("/api/consilium/conversations/AAAAAAAAAAAAAAAAAAAAAA", Ct);
        await AssertProblemAsync(transcript, HttpStatusCode.NotFound, "CONVERSATION_RETENTION");
    }

    [Fact]
    public async Task RoundWhileThePreviousRuns_Is409_OnTheOtherReplicaToo()
    {
        using var client = CouncilCluster.CreateClient(cluster.Orchestrators[0]);
        // Slow answers (20 tokens/s) keep round 1 running while the second round is asked for.
        using var response = await SseClient.PostAsync(client, "/api/consilium", new { message = Question + " [[sim ttft=5 rate=20 tokens=200]]", synthesis = false, agents = new[] { "vasquez", "webb" } }, Ct);
        await using var events = SseClient.ReadEventsAsync(response, Ct).GetAsyncEnumerator(Ct);
        Assert.True(await events.MoveNextAsync());
        var conversationId = events.Current.Json.GetProperty("conversationId").GetString()!;

        using var conflict = await PostAsync(new { conversationId, message = FollowUp }, replica: 1);
        await AssertProblemAsync(conflict, HttpStatusCode.Conflict, "still running");

        while (await events.MoveNextAsync())
        {
        }
        using var next = await PostAsync(new { conversationId, message = FollowUp + " [[sim ttft=5 tokens=40]]", synthesis = false }, replica: 1);
        Assert.Equal(HttpStatusCode.OK, next.StatusCode);
        Assert.Equal("done", (await SseClient.ReadToEndAsync(next, Ct)).Events[^1].EventType);
    }

    [Fact]
    public async Task OverTheRoundLimit_Is409()
    {
        var limited = cluster.StartOrchestrator(("CONVERSATION_MAX_ROUNDS", "1"));
        using var client = CouncilCluster.CreateClient(limited);
        using var first = await SseClient.PostAsync(client, "/api/consilium", new { message = Question + " [[sim ttft=5 tokens=40]]", synthesis = false, agents = new[] { "chen", "okafor" } }, Ct);
        var round1 = await SseClient.ReadToEndAsync(first, Ct);
        var conversationId = round1.Events[0].Json.GetProperty("conversationId").GetString()!;

        using var second = await SseClient.PostAsync(client, "/api/consilium", new { conversationId, message = FollowUp }, Ct);
        await AssertProblemAsync(second, HttpStatusCode.Conflict, "CONVERSATION_MAX_ROUNDS = 1");
    }

    [Fact]
    public async Task AgentNotInTheRoster_Is400_AndBadModesAre400()
    {
        var round1 = await AskAsync(new { message = Question + " [[sim ttft=5 tokens=40]]", synthesis = false, agents = new[] { "vasquez", "webb" } }, replica: 0);
        var conversationId = round1.Events[0].Json.GetProperty("conversationId").GetString()!;

        using var stranger = await PostAsync(new { conversationId, message = FollowUp, agents = new[] { "vasquez", "chen" } }, replica: 1);
        await AssertProblemAsync(stranger, HttpStatusCode.BadRequest, "'chen', not in this conversation's roster");

        using var rebuttalAlone = await PostAsync(new { mode = "rebuttal" });
        await AssertProblemAsync(rebuttalAlone, HttpStatusCode.BadRequest, "send 'conversationId'");
        using var badMode = await PostAsync(new { conversationId, mode = "debate", message = FollowUp });
        await AssertProblemAsync(badMode, HttpStatusCode.BadRequest, "'mode' is 'debate'");
        using var noMessage = await PostAsync(new { conversationId });
        await AssertProblemAsync(noMessage, HttpStatusCode.BadRequest, "'message' is required");

        // The failed attempts left no claim behind: the next round starts.
        var round2 = await AskAsync(new { conversationId, message = FollowUp + " [[sim ttft=5 tokens=40]]", synthesis = false, agents = new[] { "webb" } }, replica: 1);
        Assert.Equal(2, round2.Events[0].Json.GetProperty("round").GetInt32());
    }

    [Fact]
    public async Task Transcript_NeedsTheBearer_NotAResumeToken()
    {
        using var client = CouncilCluster.CreateClient(cluster.Orchestrators[0]);
        using var response = await SseClient.PostAsync(client, "/api/consilium", new { message = Question + " [[sim ttft=5 tokens=40]]", synthesis = false, agents = new[] { "harlow", "deleon" } }, Ct);
        var round1 = await SseClient.ReadToEndAsync(response, Ct);
        var session = round1.Events[0].Json;
        var conversationId = session.GetProperty("conversationId").GetString()!;
        var token = session.GetProperty("resumeToken").GetString()!;

        using var anonymous = CouncilCluster.CreateClient(cluster.Orchestrators[0], bearer: null);
        using var none = await anonymous.GetAsync($"/api/consilium/conversations/{conversationId}", Ct);
        Assert.Equal(HttpStatusCode.Unauthorized, none.StatusCode);
        using var withToken = await anonymous.GetAsync($"/api/consilium/conversations/{conversationId}?resume={Uri.EscapeDataString(token)}", Ct);
        Assert.Equal(HttpStatusCode.Unauthorized, withToken.StatusCode);
        using var export = await anonymous.GetAsync($"/api/consilium/conversations/{conversationId}/export?format=markdown&resume={Uri.EscapeDataString(token)}", Ct);
        Assert.Equal(HttpStatusCode.Unauthorized, export.StatusCode);

        using var badFormat = await client.GetAsync($"/api/consilium/conversations/{conversationId}/export?format=pdf", Ct);
        await AssertProblemAsync(badFormat, HttpStatusCode.BadRequest, "'format' is 'pdf'");
    }
}
