using Consilium.Client;
using Consilium.Testing;

namespace Consilium.Clients.Tests;

/// <summary>
/// A stop that reaches another replica than the one running the council (docs/api.md, "Stop a council"): two
/// orchestrator replicas over a real Redis, the council asked of replica A, the DELETE and a resumed reader sent to
/// replica B. B publishes the stop on Redis; A cancels every call, and both streams end with <c>error</c>
/// <c>cancelled</c> carrying the spent usage and cost.
/// </summary>
public sealed class CrossReplicaStopTests
{
    [Fact]
    public async Task Delete_OnTheOtherReplica_StopsTheCouncilWithinOneSecondAndEndsTheResumedReaderThere()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var redis = await RedisServer.StartNewAsync(ct);
        await using var topology = await ProcessTopology.StartAsync(new Dictionary<string, string?>
        {
            ["REDIS_URL"] = redis.Url,
            ["SIM_TOKENS_PER_SECOND"] = SystemFixture.TokensPerSecond,
        }, ct, orchestratorReplicas: 2);
        var (replicaA, replicaB) = (topology.Plan.Orchestrators[0].Url, topology.Plan.Orchestrators[1].Url);
        using var httpA = ProcessTopology.CreateClient(replicaA);
        using var httpB = ProcessTopology.CreateClient(replicaB);
        var clientA = new ConsiliumClient(httpA, new ConsiliumClientOptions { Secret = topology.Secret });
        var clientB = new ConsiliumClient(httpB, new ConsiliumClientOptions { Secret = topology.Secret });
        using var simulator = ProcessTopology.CreateClient(topology.SimulatorUrl);

        var time = TimeProvider.System;
        var deleteSent = DateTimeOffset.MinValue;
        var deleteTook = TimeSpan.Zero;
        Task<List<CouncilEvent>>? onB = null;
        ErrorEvent? terminal = null;
        var deltas = 0;
        string? sessionId = null;
        var deltasOnB = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var question = StopTests.StopQuestion();
        var started = new HashSet<string>(StringComparer.Ordinal);
        await foreach (var item in clientA.AskCouncilAsync(new CouncilQuestion(question + StopTests.Pace), ct))
        {
            if (item is SessionEvent session)
            {
                sessionId = session.SessionId;
                // Replica B reads the council from the Redis log, with the resume token only.
                var reader = new ConsiliumClient(httpB);
                onB = ReadAllAsync(reader.ResumeCouncilAsync(session.SessionId, session.ResumeToken, 0, ct), deltasOnB);
            }
            if (item is AgentStartEvent start)
            {
                started.Add(start.Agent); // its model call reached the simulator
            }
            if (item is DeltaEvent && ++deltas == 30)
            {
                // B must be following the council live (not only replaying its end) when the stop comes.
                await deltasOnB.Task.WaitAsync(TimeSpan.FromSeconds(30), ct);
                var sent = time.GetTimestamp();
                deleteSent = time.GetUtcNow();
                Assert.True(await clientB.StopCouncilAsync(sessionId!, null, ct));
                deleteTook = time.GetElapsedTime(sent);
            }
            terminal = item as ErrorEvent ?? terminal;
            Assert.False(item is DoneEvent, "the council finished before the stop; slow the simulator down");
        }

        Assert.NotNull(terminal);
        Assert.Equal(ErrorEvent.CancelledCode, terminal.Code);
        Assert.True(terminal.Usage is { InputTokens: > 0, OutputTokens: > 0 }, $"usage spent: {terminal.Usage}");
        Assert.True(terminal.CostUsd > 0, $"cost spent: {terminal.CostUsd}");
        var resumed = await onB!.WaitAsync(TimeSpan.FromSeconds(30), ct);
        var endOnB = Assert.IsType<ErrorEvent>(resumed[^1]);
        Assert.Equal(ErrorEvent.CancelledCode, endOnB.Code);
        Assert.Equal(terminal.Usage, endOnB.Usage);
        Assert.Equal(terminal.CostUsd, endOnB.CostUsd);
        Assert.Equal(terminal.Id, endOnB.Id);

        var requests = await StopTests.WaitForSettledAsync(simulator, question, started.Count, ct);
        StopTests.AssertEveryCallCancelledWithinBound(requests, deleteSent,
            $"the DELETE to replica B took {deleteTook.TotalMilliseconds:0} ms\n{topology.Logs("orchestrator", "orchestrator-2")}");
    }

    private static async Task<List<CouncilEvent>> ReadAllAsync(IAsyncEnumerable<CouncilEvent> events, TaskCompletionSource live)
    {
        var all = new List<CouncilEvent>();
        await foreach (var item in events)
        {
            all.Add(item);
            if (item is DeltaEvent)
            {
                live.TrySetResult();
            }
        }
        return all;
    }
}
