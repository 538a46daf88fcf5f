using System.Net;
using System.Text.Json;
using Consilium.Client;
using Consilium.Testing;

namespace Consilium.Clients.Tests;

/// <summary><c>DELETE /api/consilium/sessions/{id}</c> through the gateway, checked at the simulator.</summary>
[Collection(SystemCollection.Name)]
public sealed class StopTests(SystemFixture system)
{
    /// <summary>
    /// The promise (docs/api.md, "Stop a council"): every upstream call cancelled within 1 s of the DELETE being sent.
    /// Measured on the shared 2-core test machine at a load average of ~40: the last call cancelled 267 ms after the
    /// DELETE was sent on one replica, 875 ms when the stop went to the other replica over Redis; the DELETE's own round
    /// trip through the gateway took up to 1.6 s there (it answers once the terminal event is written). It holds for
    /// a call that reached the simulator only after the DELETE, too: in 16 runs at a load average near 30, the last
    /// call ended at most 304 ms after the DELETE, a call begun after it at most 139 ms.
    /// </summary>
    public static readonly TimeSpan StopBound = TimeSpan.FromSeconds(1);

    [Fact]
    public async Task Delete_RunningCouncil_EndsEveryStreamWithCancelledAndSpentUsageWithinOneSecond()
    {
        var ct = TestContext.Current.CancellationToken;
        var (http, client) = system.CreateClient();
        using var _ = http;
        using var simulator = ProcessTopology.CreateClient(system.Topology.SimulatorUrl);
        var question = StopQuestion();

        var time = TimeProvider.System;
        long answeredAt = 0;
        var deleteSent = DateTimeOffset.MinValue;
        ErrorEvent? terminal = null;
        Task<List<CouncilEvent>>? resumed = null;
        var deltas = 0;
        string? sessionId = null;
        var deleteTook = TimeSpan.Zero;
        var started = new HashSet<string>(StringComparer.Ordinal);
        await foreach (var item in client.AskCouncilAsync(new CouncilQuestion(question + StopTests.Pace), ct))
        {
            if (item is SessionEvent session)
            {
                sessionId = session.SessionId;
                // A second reader, resumed with the token only: it must end the same way.
                var (readerHttp, reader) = system.CreateClient(authenticated: false);
                resumed = ReadAllAsync(readerHttp, reader.ResumeCouncilAsync(session.SessionId, session.ResumeToken, 0, ct));
            }
            if (item is AgentStartEvent start)
            {
                started.Add(start.Agent); // its model call reached the simulator
            }
            if (item is DeltaEvent && ++deltas == 30)
            {
                var sent = time.GetTimestamp();
                deleteSent = time.GetUtcNow();
                Assert.True(await client.StopCouncilAsync(sessionId!, null, ct));
                answeredAt = time.GetTimestamp();
                deleteTook = time.GetElapsedTime(sent, answeredAt);
            }
            if (item is ErrorEvent error)
            {
                terminal = error;
            }
            Assert.False(item is DoneEvent, "the council finished before the stop; slow the simulator down");
        }
        var streamEnd = time.GetElapsedTime(answeredAt);

        Assert.NotNull(terminal);
        Assert.Equal("cancelled", terminal.Code);
        Assert.NotNull(terminal.Usage);
        Assert.True(terminal.Usage.InputTokens > 0 && terminal.Usage.OutputTokens > 0, $"usage spent: {terminal.Usage}");
        Assert.True(terminal.CostUsd > 0, $"cost spent: {terminal.CostUsd}");
        // The server answers the DELETE once the terminal event is written, so it is already on its way.
        Assert.True(streamEnd < StopBound, $"the stream ended {streamEnd.TotalMilliseconds:0} ms after the DELETE's answer (the DELETE took {deleteTook.TotalMilliseconds:0} ms)");
        var other = await resumed!;
        var otherEnd = Assert.IsType<ErrorEvent>(other[^1]);
        Assert.Equal("cancelled", otherEnd.Code);
        Assert.Equal(terminal.Usage, otherEnd.Usage);
        Assert.Equal(terminal.CostUsd, otherEnd.CostUsd);

        var requests = await WaitForSettledAsync(simulator, question, started.Count, ct);
        AssertEveryCallCancelledWithinBound(requests, deleteSent,
            $"the DELETE took {deleteTook.TotalMilliseconds:0} ms, the stream ended {streamEnd.TotalMilliseconds:0} ms after its answer");
    }

    /// <summary>
    /// Every call still running at the stop was cancelled, and the simulator saw it end within <see cref="StopBound"/>
    /// of the DELETE being sent (its <c>endedAt</c>, on the same machine's clock); a model stream that had already been
    /// written out in full (the simulator can run ahead of the client) ends as completed. A call that reached the
    /// simulator only after the DELETE was sent (the agent's request was on its way) is held to the same bound: such a
    /// call used to live about 2.1 s in one run in three, while its response was drained rather than closed.
    /// </summary>
    internal static TimeSpan AssertEveryCallCancelledWithinBound(IReadOnlyList<JsonElement> requests, DateTimeOffset deleteSent, string context)
    {
        Assert.NotEmpty(requests);
        Assert.All(requests, request => Assert.Contains(request.GetProperty("outcome").ToString(), new[] { "cancelled", "completed" }));
        var cancelled = requests.Where(request => request.GetProperty("outcome").ToString() == "cancelled").ToArray();
        Assert.NotEmpty(cancelled);
        var details = string.Join("\n", requests.Select(request => $"  {request.GetProperty("seat")}: started {(request.GetProperty("startedAt").GetDateTimeOffset() - deleteSent).TotalMilliseconds:0} ms, " +
            $"ended {(request.GetProperty("endedAt").GetDateTimeOffset() - deleteSent).TotalMilliseconds:0} ms, {request.GetProperty("outcome")}"));
        var late = cancelled.Where(request => request.GetProperty("startedAt").GetDateTimeOffset() > deleteSent).ToArray();
        var latest = cancelled.Max(request => request.GetProperty("endedAt").GetDateTimeOffset()) - deleteSent;
        Assert.True(latest < StopBound,
            $"the simulator saw the last of {cancelled.Length} cancelled calls ({late.Length} of them began after the DELETE) end {latest.TotalMilliseconds:0} ms after it was sent ({context})\n{details}");
        var lastLate = late.Length > 0 ? $"{(late.Max(request => request.GetProperty("endedAt").GetDateTimeOffset()) - deleteSent).TotalMilliseconds:0} ms" : "none";
        TestContext.Current.TestOutputHelper?.WriteLine(
            $"{cancelled.Length} of {requests.Count} calls cancelled, {late.Length} of them begun after the DELETE (the last of those ended: {lastLate}); " +
            $"the last {latest.TotalMilliseconds:0} ms after the DELETE was sent ({context.Split('\n')[0]})\n{details}");
        return latest;
    }

    [Fact]
    public async Task Delete_FinishedCouncil_Returns204_UnknownReturns404_NoCredentialReturns401()
    {
        var ct = TestContext.Current.CancellationToken;
        var (http, client) = system.CreateClient();
        using var _ = http;
        SessionEvent? session = null;
        await foreach (var item in client.AskCouncilAsync(new CouncilQuestion("Is a ground lease worth it?", ["chen", "okafor"], false), ct))
        {
            session ??= item as SessionEvent;
        }
        using var anonymous = ProcessTopology.CreateClient(system.Topology.GatewayUrl);

        var finished = await client.StopCouncilAsync(session!.SessionId, null, ct);
        var unknown = await Assert.ThrowsAsync<ConsiliumApiException>(() => client.StopCouncilAsync("AAAAAAAAAAAAAAAAAAAAAA", null, ct));
        using var noCredential = await anonymous.DeleteAsync($"/api/consilium/sessions/{session.SessionId}", ct);
        using var wrongToken = await anonymous.DeleteAsync($"/api/consilium/sessions/{session.SessionId}?resume=not-the-token", ct);
        using var withToken = await anonymous.DeleteAsync($"/api/consilium/sessions/{session.SessionId}?resume={Uri.EscapeDataString(session.ResumeToken!)}", ct);

        Assert.False(finished);
        Assert.Equal(HttpStatusCode.NotFound, unknown.Status);
        Assert.Equal(HttpStatusCode.Unauthorized, noCredential.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, wrongToken.StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, withToken.StatusCode);
    }

    /// <summary>A question no other council asks, so the simulator's log shows this council's calls alone.</summary>
    /// <summary>
    /// Slow answers (five seconds each) for the stop tests: the test stack's simulator otherwise writes a whole answer in
    /// a fraction of a second, so on a busy machine every model stream could be written out before the stop arrives and
    /// no call would be left to cancel. The directive is stripped before the simulator logs the text.
    /// </summary>
    internal const string Pace = " [[sim ttft=20 rate=60 tokens=300]]";

    internal static string StopQuestion() => $"Should we buy the mixed-use block on Harbour Street? (stop {Guid.NewGuid():N})";

    /// <summary>
    /// Reads the simulator's log until it holds a call for <paramref name="question"/> from each of the
    /// <paramref name="agents"/> agents whose model stream had started (an agent stopped before it called the model
    /// makes no call) and every call it holds has an outcome (checked every 25 ms, for at most 5 s); returns
    /// them either way, so the assertion names what still ran.
    /// </summary>
    internal static async Task<IReadOnlyList<JsonElement>> WaitForSettledAsync(HttpClient simulator, string question, int agents, CancellationToken ct)
    {
        var time = TimeProvider.System;
        var start = time.GetTimestamp();
        while (true)
        {
            var requests = (await SimulatorRequestLog.ReadAsync(simulator, ct))
                .Where(r => r.GetProperty("messages").EnumerateArray().Any(m => m.GetProperty("text").GetString()?.Contains(question, StringComparison.Ordinal) == true))
                .ToArray();
            var settled = requests.Length >= agents && requests.All(r => r.GetProperty("outcome").ValueKind != JsonValueKind.Null);
            if (settled || time.GetElapsedTime(start) > TimeSpan.FromSeconds(5))
            {
                Assert.True(requests.Length >= agents, $"the simulator saw {requests.Length} calls for the council, but {agents} agents had started their model stream");
                return requests;
            }
            await Task.Delay(25, ct);
        }
    }

    private static async Task<List<CouncilEvent>> ReadAllAsync(HttpClient http, IAsyncEnumerable<CouncilEvent> events)
    {
        using (http)
        {
            var all = new List<CouncilEvent>();
            await foreach (var item in events)
            {
                all.Add(item);
            }
            return all;
        }
    }
}
