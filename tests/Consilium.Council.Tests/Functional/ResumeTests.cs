using System.Globalization;
using System.Net;
using Consilium.Council.Tests.Hosting;
using Consilium.Orchestrator;
using Consilium.Testing;
using static Consilium.Council.Tests.Functional.CouncilStreamAssertions;

namespace Consilium.Council.Tests.Functional;

[Collection(CouncilCollection.Name)]
public sealed class ResumeTests(CouncilCluster cluster)
{
    // Slow enough that a client can leave and come back while the council still runs (about half a second per answer).
    private const string SlowQuestion = "Should a mid-size landlord retrofit heat pumps across 40 older buildings? [[sim ttft=5 rate=400 tokens=200]]";
    private const string Question = "Should we build a data centre on the edge of a growing city?";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static HttpRequestMessage Events(string sessionId, string? query = null) =>
        new(HttpMethod.Get, $"/api/consilium/sessions/{sessionId}/events{query}");

    private static async Task<SseTranscript> ReadAsync(HttpClient client, HttpRequestMessage request)
    {
        using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, Ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await SseClient.ReadToEndAsync(response, Ct);
    }

    /// <summary>Starts a council on <paramref name="replica"/> and reads its first <paramref name="count"/> events, then hangs up.</summary>
    private async Task<(string SessionId, string ResumeToken, List<TimedSseEvent> Read)> StartAndLeaveAsync(ServiceHost<OrchestratorApp> replica, string message, int count)
    {
        using var client = CouncilCluster.CreateClient(replica);
        using var response = await SseClient.PostAsync(client, "/api/consilium", new { message }, Ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var read = new List<TimedSseEvent>();
        await foreach (var item in SseClient.ReadEventsAsync(response, Ct))
        {
            read.Add(item);
            if (read.Count == count)
            {
                break;
            }
        }
        Assert.Equal(count, read.Count);
        var session = read[0].Json;
        return (session.GetProperty("sessionId").GetString()!, session.GetProperty("resumeToken").GetString()!, read);
    }

    [Fact]
    public async Task Resume_OnAnotherReplicaWithLastEventId_DeliversExactlyTheMissingEventsOnceInOrder()
    {
        var (sessionId, token, firstPart) = await StartAndLeaveAsync(cluster.Orchestrators[0], SlowQuestion, 25);
        var lastSeen = Id(firstPart[^1]);

        using var other = CouncilCluster.CreateClient(cluster.Orchestrators[1]);
        var request = Events(sessionId);
        request.Headers.Add("Last-Event-ID", lastSeen.ToString(CultureInfo.InvariantCulture));
        var rest = await ReadAsync(other, request);

        AssertWellFormed(rest, first: lastSeen + 1);
        Assert.Equal("done", rest.Events[^1].EventType);
        Assert.Equal(Roster.Ids.Order(), rest.OfType("agent_done").Select(AgentOf).Order());

        // The whole log, replayed on the second replica with only the resume token: the two parts are exactly it.
        using var anonymous = CouncilCluster.CreateClient(cluster.Orchestrators[1], bearer: null);
        var all = await ReadAsync(anonymous, Events(sessionId, $"?resume={Uri.EscapeDataString(token)}&lastEventId=0"));
        AssertWellFormed(all);
        // Event 1 as replayed lacks only the resume token, which only the live response carries.
        var joined = firstPart.Concat(rest.Events).Skip(1).Select(e => (e.EventId, e.EventType, e.Data));
        Assert.Equal(all.Events.Skip(1).Select(e => (e.EventId, e.EventType, e.Data)), joined);
        Assert.Equal(firstPart[0].Json.GetProperty("agents").GetRawText(), all.Events[0].Json.GetProperty("agents").GetRawText());
        Assert.False(all.Events[0].Json.TryGetProperty("resumeToken", out _));
    }

    [Fact]
    public async Task Resume_NobodyComesBackWithinTheGrace_EveryUpstreamCallIsCancelled()
    {
        await using var replica = cluster.StartOrchestrator(("COUNCIL_RESUME_GRACE", "1"));
        var startedAt = TimeProvider.System.GetUtcNow();
        // Long answers (about 30 s): only a cancellation ends them within the test.
        var (sessionId, _, read) = await StartAndLeaveAsync(replica, "Should we buy the old mill? [[sim ttft=5 rate=20 tokens=600]]", 1);
        Assert.Equal("session", read[0].EventType);
        var leftAt = TimeProvider.System.GetUtcNow();

        var calls = await WaitForAsync(async () =>
        {
            var mine = (await cluster.SimulatorRequestsAsync(Ct))
                .Where(r => r.GetProperty("startedAt").GetDateTimeOffset() >= startedAt && Roster.TryGet(r.GetProperty("seat").GetString(), out _))
                .ToList();
            return mine.Count == 10 && mine.All(r => r.GetProperty("outcome").GetString() == "cancelled") ? mine : null;
        }, TimeSpan.FromSeconds(15), "all ten upstream calls to be cancelled");

        Assert.All(calls, call => Assert.True(
            call.GetProperty("endedAt").GetDateTimeOffset() - leftAt >= TimeSpan.FromSeconds(0.8),
            $"A call was cancelled before the 1 s grace was over: {call}"));

        using var client = CouncilCluster.CreateClient(replica);
        var replay = await ReadAsync(client, Events(sessionId));
        Assert.Equal("error", replay.Events[^1].EventType);
        Assert.Equal("cancelled", replay.Events[^1].Json.GetProperty("code").GetString());
    }

    [Fact]
    public async Task Resume_WithinTheGrace_CouncilRunsToTheEnd()
    {
        await using var replica = cluster.StartOrchestrator(("COUNCIL_RESUME_GRACE", "2"));
        var (sessionId, _, read) = await StartAndLeaveAsync(replica, SlowQuestion, 3);

        using var client = CouncilCluster.CreateClient(replica);
        var request = Events(sessionId);
        request.Headers.Add("Last-Event-ID", read[^1].EventId);
        var rest = await ReadAsync(client, request);

        AssertWellFormed(rest, first: 4);
        Assert.Equal("done", rest.Events[^1].EventType);
    }

    [Fact]
    public async Task Resume_FinishedSessionWithNothingAfter_204()
    {
        using var client = CouncilCluster.CreateClient(cluster.Orchestrators[0]);
        using var response = await SseClient.PostAsync(client, "/api/consilium", new { message = Question, agents = new[] { "chen", "cross" } }, Ct);
        var transcript = await SseClient.ReadToEndAsync(response, Ct);
        var sessionId = transcript.Events[0].Json.GetProperty("sessionId").GetString()!;

        using var other = CouncilCluster.CreateClient(cluster.Orchestrators[1]);
        using var resumed = await other.SendAsync(Events(sessionId, $"?lastEventId={transcript.Events[^1].EventId}"), Ct);

        Assert.Equal(HttpStatusCode.NoContent, resumed.StatusCode);
    }

    [Theory]
    [InlineData("AAAAAAAAAAAAAAAAAAAAAA")]
    [InlineData("not-a-session")]
    public async Task Resume_UnknownSession_404Problem(string sessionId)
    {
        using var client = CouncilCluster.CreateClient(cluster.Orchestrators[1]);
        using var response = await client.SendAsync(Events(sessionId), Ct);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task Resume_TokenOfAnotherSessionOrNoCredentials_401()
    {
        using var client = CouncilCluster.CreateClient(cluster.Orchestrators[0]);
        using var first = await SseClient.PostAsync(client, "/api/consilium", new { message = Question, agents = new[] { "diallo" } }, Ct);
        var a = (await SseClient.ReadToEndAsync(first, Ct)).Events[0].Json;
        using var second = await SseClient.PostAsync(client, "/api/consilium", new { message = Question, agents = new[] { "harlow" } }, Ct);
        var b = (await SseClient.ReadToEndAsync(second, Ct)).Events[0].Json;

        using var anonymous = CouncilCluster.CreateClient(cluster.Orchestrators[1], bearer: null);
        var sessionA = a.GetProperty("sessionId").GetString()!;
        using var crossed = await anonymous.SendAsync(Events(sessionA, $"?resume={Uri.EscapeDataString(b.GetProperty("resumeToken").GetString()!)}"), Ct);
        using var none = await anonymous.SendAsync(Events(sessionA), Ct);
        using var own = await anonymous.SendAsync(Events(sessionA, $"?resume={Uri.EscapeDataString(a.GetProperty("resumeToken").GetString()!)}"), Ct);

        Assert.Equal(HttpStatusCode.Unauthorized, crossed.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, none.StatusCode);
        Assert.Equal(HttpStatusCode.OK, own.StatusCode);
    }

    [Fact]
    public async Task Resume_MalformedLastEventId_400()
    {
        var (sessionId, _, _) = await StartAndLeaveAsync(cluster.Orchestrators[0], Question, 1);
        using var client = CouncilCluster.CreateClient(cluster.Orchestrators[1]);
        var request = Events(sessionId);
        request.Headers.TryAddWithoutValidation("Last-Event-ID", "-3");

        using var response = await client.SendAsync(request, Ct);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    [Fact]
    public async Task AskCouncil_WithoutRedis_RunsAndResumesInProcess()
    {
        await using var replica = cluster.StartOrchestrator(("REDIS_URL", ""));
        var (sessionId, _, read) = await StartAndLeaveAsync(replica, Question + " [[sim rate=600]]", 5);

        using var client = CouncilCluster.CreateClient(replica);
        var request = Events(sessionId);
        request.Headers.Add("Last-Event-ID", read[^1].EventId);
        var rest = await ReadAsync(client, request);

        AssertWellFormed(rest, first: 6);
        Assert.Equal("done", rest.Events[^1].EventType);
        Assert.Single(rest.OfType("tension_map"));
    }

    private static async Task<T> WaitForAsync<T>(Func<Task<T?>> probe, TimeSpan within, string what) where T : class
    {
        var started = TimeProvider.System.GetTimestamp();
        while (TimeProvider.System.GetElapsedTime(started) < within)
        {
            if (await probe() is { } value)
            {
                return value;
            }
            await Task.Delay(TimeSpan.FromMilliseconds(100), Ct);
        }
        Assert.Fail($"Waited {within.TotalSeconds} s for {what}.");
        throw new InvalidOperationException();
    }
}
