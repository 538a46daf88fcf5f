using System.Globalization;
using System.Net;
using System.Text.Json;
using Consilium.Council.Tests.Hosting;
using Consilium.Testing;
using static Consilium.Council.Tests.Functional.CouncilStreamAssertions;

namespace Consilium.Council.Tests.Functional;

/// <summary>The session log through the real orchestrator: what Redis holds, resumes past the end, Redis loss, a dead replica.</summary>
[Collection(CouncilCollection.Name)]
public sealed class SessionLogTests(CouncilCluster cluster)
{
    private const string Question = "Should we turn a shopping centre's car park into a logistics hub?";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static HttpRequestMessage Events(string sessionId, long? lastEventId = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, $"/api/consilium/sessions/{sessionId}/events");
        if (lastEventId is { } id)
        {
            request.Headers.Add("Last-Event-ID", id.ToString(CultureInfo.InvariantCulture));
        }
        return request;
    }

    [Fact]
    public async Task Session_StoredAndMirroredCopies_NeverHoldTheResumeToken()
    {
        using var client = CouncilCluster.CreateClient(cluster.Orchestrators[0]);
        using var response = await SseClient.PostAsync(client, "/api/consilium", new { message = Question, agents = new[] { "chen", "webb" } }, Ct);
        var live = await SseClient.ReadToEndAsync(response, Ct);
        AssertWellFormed(live);
        var session = live.Events[0].Json;
        var sessionId = session.GetProperty("sessionId").GetString()!;
        var token = session.GetProperty("resumeToken").GetString()!;
        Assert.False(string.IsNullOrEmpty(token));

        // The mirror on the other replica: a resume from the start gets the session event without the token.
        using var other = CouncilCluster.CreateClient(cluster.Orchestrators[1]);
        var replay = await ReadWhenMirroredAsync(other, sessionId);
        AssertWellFormed(replay);
        Assert.False(replay.Events[0].Json.TryGetProperty("resumeToken", out _), $"A resumed session event carries the token: {replay.Events[0].Data}");
        Assert.Equal(sessionId, replay.Events[0].Json.GetProperty("sessionId").GetString());
        Assert.Equal(live.Events.Skip(1).Select(e => (e.EventId, e.EventType, e.Data)), replay.Events.Skip(1).Select(e => (e.EventId, e.EventType, e.Data)));

        // Redis itself, read raw: no entry, field or hash value contains the token.
        var database = cluster.Redis.Multiplexer.GetDatabase();
        var prefix = $"{cluster.Redis.KeyPrefix}session:{{{sessionId}}}:";
        var entries = await database.StreamRangeAsync(prefix + "events", "-", "+");
        Assert.Equal(live.Events.Count, entries.Length);
        Assert.All(entries, entry => Assert.All(entry.Values, field => Assert.DoesNotContain(token, (string)field.Value!, StringComparison.Ordinal)));
        Assert.DoesNotContain("resumeToken", (string)entries[0]["d"]!, StringComparison.Ordinal);
        var meta = await database.HashGetAllAsync(prefix + "meta");
        Assert.All(meta, field => Assert.DoesNotContain(token, field.Value.ToString(), StringComparison.Ordinal));
    }

    [Fact]
    public async Task Resume_PastTheEndOfARunningSession_400NamingTheLastIdOnEitherReplica()
    {
        using var client = CouncilCluster.CreateClient(cluster.Orchestrators[0]);
        using var response = await SseClient.PostAsync(client, "/api/consilium", new { message = Question + " [[sim ttft=5 rate=20 tokens=200]]", synthesis = false }, Ct);
        var read = new List<TimedSseEvent>();
        await foreach (var item in SseClient.ReadEventsAsync(response, Ct))
        {
            read.Add(item);
            if (read.Count == 3)
            {
                break;
            }
        }
        var sessionId = read[0].Json.GetProperty("sessionId").GetString()!;

        foreach (var replica in cluster.Orchestrators)
        {
            using var resumer = CouncilCluster.CreateClient(replica);
            var started = TimeProvider.System.GetTimestamp();
            using var refused = await resumer.SendAsync(Events(sessionId, 100_000), Ct);
            var elapsed = TimeProvider.System.GetElapsedTime(started);

            Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
            Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
            var detail = JsonDocument.Parse(await refused.Content.ReadAsStringAsync(Ct)).RootElement.GetProperty("detail").GetString()!;
            Assert.Contains("100000", detail, StringComparison.Ordinal);
            Assert.Matches(@"last event so far is \d+", detail);
            // At once: at most the mirror's catch-up wait (1 s), not the council's length.
            Assert.True(elapsed < TimeSpan.FromSeconds(5), $"The refusal took {elapsed.TotalSeconds:0.0} s.");
        }

        // An id the session has reached is still served from there on.
        using var resumed = await client.SendAsync(Events(sessionId, 3), HttpCompletionOption.ResponseHeadersRead, Ct);
        Assert.Equal(HttpStatusCode.OK, resumed.StatusCode);
        var rest = await SseClient.ReadToEndAsync(resumed, Ct);
        AssertWellFormed(rest, first: 4);
    }

    [Fact]
    public async Task RedisDies_RunningCouncilFinishesForItsReader_NewCouncilsRunDegraded_MirrorCatchesUp()
    {
        await using var redis = await RedisServer.StartNewAsync(Ct);
        var prefix = $"loss-{Guid.NewGuid():N}:";
        var settings = cluster.OrchestratorSettings(("REDIS_URL", redis.Url), ("REDIS_KEY_PREFIX", prefix));
        await using var runner = cluster.StartOrchestratorWith(settings);
        await using var other = cluster.StartOrchestratorWith(new Dictionary<string, string?>(settings));
        using var client = CouncilCluster.CreateClient(runner);
        using var otherClient = CouncilCluster.CreateClient(other);

        // A council of about 4 s; Redis dies after its first events.
        using var response = await SseClient.PostAsync(client, "/api/consilium", new { message = Question + " [[sim ttft=5 rate=50 tokens=200]]", synthesis = false }, Ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var events = new List<TimedSseEvent>();
        await using var reading = SseClient.ReadEventsAsync(response, Ct).GetAsyncEnumerator(Ct);
        while (events.Count < 20 && await reading.MoveNextAsync())
        {
            events.Add(reading.Current);
        }
        await redis.StopAsync(Ct);
        while (await reading.MoveNextAsync())
        {
            events.Add(reading.Current);
        }
        var live = new SseTranscript(events);
        AssertWellFormed(live);
        Assert.Equal("done", live.Events[^1].EventType);
        Assert.Equal(10, live.OfType("agent_done").Count());
        var sessionId = live.Events[0].Json.GetProperty("sessionId").GetString()!;

        // While Redis is down: another replica cannot find the session and says when to retry; a new council runs.
        using (var unavailable = await otherClient.SendAsync(Events(sessionId), Ct))
        {
            Assert.Equal(HttpStatusCode.ServiceUnavailable, unavailable.StatusCode);
            Assert.NotNull(unavailable.Headers.RetryAfter);
        }
        using var degraded = await SseClient.PostAsync(client, "/api/consilium", new { message = Question, agents = new[] { "okafor", "cross" } }, Ct);
        Assert.Equal(HttpStatusCode.OK, degraded.StatusCode);
        var second = await SseClient.ReadToEndAsync(degraded, Ct);
        AssertWellFormed(second);
        Assert.Equal("done", second.Events[^1].EventType);
        // Resumable on its own replica.
        var secondId = second.Events[0].Json.GetProperty("sessionId").GetString()!;
        using (var here = await client.SendAsync(Events(secondId, 1), HttpCompletionOption.ResponseHeadersRead, Ct))
        {
            Assert.Equal(HttpStatusCode.OK, here.StatusCode);
            AssertWellFormed(await SseClient.ReadToEndAsync(here, Ct), first: 2);
        }

        // Redis is back (empty: no persistence): the mirrors write both sessions again, every event once.
        await redis.StartAsync(Ct);
        var replay = await ReadWhenMirroredAsync(otherClient, sessionId);
        AssertWellFormed(replay);
        Assert.Equal(live.Events.Skip(1).Select(e => (e.EventId, e.EventType, e.Data)), replay.Events.Skip(1).Select(e => (e.EventId, e.EventType, e.Data)));
        var secondReplay = await ReadWhenMirroredAsync(otherClient, secondId);
        Assert.Equal(second.Events.Count, secondReplay.Events.Count);
    }

    [Fact]
    public async Task Resume_ReplicaRunningTheCouncilIsKilled_ReaderOnTheOtherGetsAnErrorNamingTheCauseWithinTheLease()
    {
        await using var doomed = await OrchestratorProcess.StartAsync(
            cluster.OrchestratorSettings(("REDIS_URL", cluster.Redis.Url), ("REDIS_KEY_PREFIX", cluster.Redis.KeyPrefix)), Ct);
        using var client = ProcessTopology.CreateClient(doomed.BaseAddress, CouncilCluster.Secret);
        // About 30 s per answer: only the crash ends it within the test.
        using var response = await SseClient.PostAsync(client, "/api/consilium", new { message = Question + " [[sim ttft=5 rate=20 tokens=600]]", synthesis = false }, Ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var read = new List<TimedSseEvent>();
        await foreach (var item in SseClient.ReadEventsAsync(response, Ct))
        {
            read.Add(item);
            if (read.Count == 15)
            {
                break;
            }
        }
        var sessionId = read[0].Json.GetProperty("sessionId").GetString()!;

        using var other = CouncilCluster.CreateClient(cluster.Orchestrators[1]);
        using var resumed = await other.SendAsync(Events(sessionId, 15), HttpCompletionOption.ResponseHeadersRead, Ct);
        Assert.Equal(HttpStatusCode.OK, resumed.StatusCode);
        var rest = new List<TimedSseEvent>();
        await using var reading = SseClient.ReadEventsAsync(resumed, Ct).GetAsyncEnumerator(Ct);
        Assert.True(await reading.MoveNextAsync(), "The resumed stream ended at once.");
        rest.Add(reading.Current);
        await doomed.KillAsync();
        var killedAt = TimeProvider.System.GetTimestamp();
        while (await reading.MoveNextAsync())
        {
            rest.Add(reading.Current);
        }
        var waited = TimeProvider.System.GetElapsedTime(killedAt);

        var transcript = new SseTranscript(rest);
        AssertWellFormed(transcript, first: 16);
        var error = transcript.Events[^1];
        Assert.Equal("error", error.EventType);
        Assert.Equal("unavailable", error.Json.GetProperty("code").GetString());
        Assert.Contains("stopped before it finished", error.Json.GetProperty("message").GetString(), StringComparison.Ordinal);
        // The runner lease (10 s) plus one reader check interval (5 s), and slack for a loaded machine.
        Assert.True(waited < TimeSpan.FromSeconds(25), $"The reader waited {waited.TotalSeconds:0.0} s after the crash.");
    }

    /// <summary>Resumes from the start once the other replica's mirror holds the finished session (it is written behind).</summary>
    private static async Task<SseTranscript> ReadWhenMirroredAsync(HttpClient client, string sessionId)
    {
        var started = TimeProvider.System.GetTimestamp();
        while (true)
        {
            using var response = await client.SendAsync(Events(sessionId, 0), HttpCompletionOption.ResponseHeadersRead, Ct);
            if (response.StatusCode == HttpStatusCode.OK)
            {
                var transcript = await SseClient.ReadToEndAsync(response, Ct);
                if (transcript.Terminal is not null)
                {
                    return transcript;
                }
            }
            Assert.True(TimeProvider.System.GetElapsedTime(started) < TimeSpan.FromSeconds(20), $"The session's mirror was not readable within 20 s (last status {(int)response.StatusCode}).");
            await Task.Delay(100, Ct);
        }
    }
}
