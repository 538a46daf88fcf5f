using Consilium.Client;

namespace Consilium.Clients.Tests;

/// <summary>The client library against the system, through a proxy the test cuts mid-council.</summary>
[Collection(SystemCollection.Name)]
public sealed class ClientResumeTests(SystemFixture system)
{
    [Fact]
    public async Task AskCouncil_ConnectionCutTwiceMidCouncil_YieldsEveryEventOnceInOrder()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var proxy = new CuttingProxy(system.Topology.GatewayUrl);
        var reconnects = new List<Exception?>();
        var seen = new List<CouncilEvent>();
        var trace = new List<string>();
        var (http, client) = system.CreateClient(proxy.Url, new ConsiliumClientOptions
        {
            OnReconnecting = (attempt, broke) =>
            {
                reconnects.Add(broke);
                trace.Add($"reconnect {attempt} after event {seen.Count}: {broke?.GetType().Name} {broke?.Message}");
            },
        });
        using var _ = http;

        var cuts = 0;
        var secondCutAt = -1;
        await foreach (var item in client.AskCouncilAsync(new CouncilQuestion("Should we convert a 1970s office block into flats?", ["vasquez", "webb", "cross"]), ct))
        {
            seen.Add(item);
            // Cut while agents are streaming: after the 15th event, and again 10 events after the client reconnected
            // (events already in the client's buffers still arrive after a cut, so a second cut at a fixed count
            // can fall before the reconnect and find no connection).
            if (secondCutAt < 0 && reconnects.Count == 1)
            {
                secondCutAt = seen.Count + 10;
            }
            if (seen.Count == 15 || seen.Count == secondCutAt)
            {
                var cut = proxy.CutAll();
                cuts += cut > 0 ? 1 : 0;
                trace.Add($"cut {cut} connections at event {seen.Count}");
            }
        }

        Assert.True(cuts >= 1 && reconnects.Count >= cuts, $"expected a reconnect for every cut that hit a connection ({cuts}), saw {reconnects.Count}:\n{string.Join("\n", trace)}");
        Assert.True(proxy.Connections >= cuts + 1, $"expected the client to open a new connection after every cut, saw {proxy.Connections}");
        Assert.Equal(Enumerable.Range(1, seen.Count).Select(i => (long)i), seen.Select(e => e.Id));
        Assert.IsType<SessionEvent>(seen[0]);
        Assert.IsType<DoneEvent>(seen[^1]);

        // The uncut log, read from the start after the council ended, is exactly what the cut stream yielded.
        var session = (SessionEvent)seen[0];
        Assert.NotNull(session.ResumeToken);
        var (replayHttp, replay) = system.CreateClient();
        using var __ = replayHttp;
        var log = new List<CouncilEvent>();
        await foreach (var item in replay.ResumeCouncilAsync(session.SessionId, session.ResumeToken, 0, ct))
        {
            log.Add(item);
        }
        Assert.Equal(log.Count, seen.Count);
        for (var i = 0; i < log.Count; i++)
        {
            Assert.Equal(log[i].Id, seen[i].Id);
            Assert.Equal(log[i].EventType, seen[i].EventType);
            // A replay's session event carries no resume token (only the stream that started the council has it).
            var cut = seen[i] is SessionEvent first ? first with { ResumeToken = null } : seen[i];
            Assert.Equal(Cli.Ndjson.Line(log[i]), Cli.Ndjson.Line(cut));
        }
    }

    [Fact]
    public async Task ResumeCouncil_AfterTheEnd_ReplaysFromTheGivenId()
    {
        var ct = TestContext.Current.CancellationToken;
        var (http, client) = system.CreateClient();
        using var _ = http;
        var all = new List<CouncilEvent>();
        await foreach (var item in client.AskCouncilAsync(new CouncilQuestion("Is a ground lease worth it?", ["chen", "okafor"], Synthesis: false), ct))
        {
            all.Add(item);
        }
        var session = Assert.IsType<SessionEvent>(all[0]);

        // With the resume token only: no bearer.
        var (anonymousHttp, anonymous) = system.CreateClient(authenticated: false);
        using var __ = anonymousHttp;
        var tail = new List<CouncilEvent>();
        await foreach (var item in anonymous.ResumeCouncilAsync(session.SessionId, session.ResumeToken, all.Count - 3, ct))
        {
            tail.Add(item);
        }
        var nothing = new List<CouncilEvent>();
        await foreach (var item in anonymous.ResumeCouncilAsync(session.SessionId, session.ResumeToken, all[^1].Id, ct))
        {
            nothing.Add(item);
        }

        Assert.Equal(all.Skip(all.Count - 3).Select(e => e.Id), tail.Select(e => e.Id));
        Assert.IsType<DoneEvent>(tail[^1]);
        Assert.Empty(nothing);
    }

    [Fact]
    public async Task Errors_AreProblemExceptions_WithStatusTitleDetailAndRetryAfter()
    {
        var ct = TestContext.Current.CancellationToken;
        var (http, anonymous) = system.CreateClient(authenticated: false);
        using var _ = http;
        var (authedHttp, client) = system.CreateClient();
        using var __ = authedHttp;

        var unauthorized = await Assert.ThrowsAsync<ConsiliumApiException>(() => anonymous.GetAgentsAsync(ct));
        var unknownAgent = await Assert.ThrowsAsync<ConsiliumApiException>(async () =>
        {
            await foreach (var item in client.AskAgentAsync("nobody", "Hello?", ct))
            {
            }
        });
        var badAgents = await Assert.ThrowsAsync<ConsiliumApiException>(async () =>
        {
            await foreach (var item in client.AskCouncilAsync(new CouncilQuestion("Hello?", ["nobody"]), ct))
            {
            }
        });

        Assert.Equal(System.Net.HttpStatusCode.Unauthorized, unauthorized.Status);
        Assert.False(string.IsNullOrWhiteSpace(unauthorized.Title));
        Assert.False(string.IsNullOrWhiteSpace(unauthorized.Detail));
        Assert.Equal(System.Net.HttpStatusCode.NotFound, unknownAgent.Status);
        Assert.Contains("nobody", unknownAgent.Detail, StringComparison.Ordinal);
        Assert.Equal(System.Net.HttpStatusCode.BadRequest, badAgents.Status);
        Assert.Contains("nobody", badAgents.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetAgents_AndAskAgent_AreTyped()
    {
        var ct = TestContext.Current.CancellationToken;
        var (http, client) = system.CreateClient();
        using var _ = http;

        var agents = await client.GetAgentsAsync(ct);
        var events = new List<AgentEvent>();
        await foreach (var item in client.AskAgentAsync("vasquez", "Is a ground lease worth it?", ct))
        {
            events.Add(item);
        }

        Assert.Equal(10, agents.Count);
        Assert.Equal("vasquez", agents[0].Id);
        Assert.IsType<MessageStartEvent>(events[0]);
        Assert.Contains(events, e => e is TextDeltaEvent { Text.Length: > 0 });
        Assert.Contains(events, e => e is MessageStopEvent);
        var done = Assert.IsType<AgentStreamDoneEvent>(events[^1]);
        Assert.True(done.Usage.OutputTokens > 0);
    }
}
