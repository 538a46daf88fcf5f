using System.Diagnostics;
using System.Net;
using Consilium.Orchestrator.Security.RateLimiting;
using Consilium.Security.Tests.Support;
using Consilium.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Consilium.Security.Tests.RateLimiting;

/// <summary>
/// Two replicas on a private redis-server that the test kills and restarts: limits degrade to per replica (logged and
/// counted, never open, never 500, never hanging) and become shared again once Redis is back.
/// </summary>
public sealed class RedisOutageTests : IAsyncLifetime
{
    private const int Limit = 5;
    private const int DegradedEventId = 4101;
    private const int RecoveredEventId = 4102;

    private RedisServer _redis = null!;
    private OrchestratorHost _a = null!;
    private OrchestratorHost _b = null!;

    public async ValueTask InitializeAsync()
    {
        _redis = await RedisServer.StartNewAsync(TestContext.Current.CancellationToken);
        var settings = OrchestratorHost.WithRedis(_redis.Url, "outage:", new Dictionary<string, string?> { ["RATE_LIMIT_PER_MINUTE"] = Limit.ToString() });
        _a = new OrchestratorHost(settings);
        _b = new OrchestratorHost(settings);
        await _a.InitializeAsync();
        await _b.InitializeAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await ((IAsyncDisposable)_a).DisposeAsync();
        await ((IAsyncDisposable)_b).DisposeAsync();
        await _redis.DisposeAsync();
    }

    [Fact]
    public async Task RateLimit_RedisStoppedAndRestarted_DegradesPerReplicaThenIsSharedAgain()
    {
        var ct = TestContext.Current.CancellationToken;
        using var metricsA = new MetricWatcher(_a.Services.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>());
        using var toA = _a.CreateAuthorizedClient(TimeSpan.FromSeconds(10));
        using var toB = _b.CreateAuthorizedClient(TimeSpan.FromSeconds(10));

        // Shared: one budget of 5 over both replicas.
        Assert.Equal(Limit, await CountAdmittedAsync(TestClients.NewAddress(), toA, toB, 8, ct));

        // Redis dies while a client keeps sending.
        var load = new OutageLoad(toA, toB);
        var running = load.RunAsync(ct);
        await load.WaitForResponsesAsync(20, ct);
        await _redis.StopAsync(ct);
        await WaitForLogAsync(_a, DegradedEventId, ct);
        await WaitForLogAsync(_b, DegradedEventId, ct);
        await load.WaitForResponsesAsync(load.Count + 20, ct);
        load.Stop();
        var during = await running;

        Assert.All(during, r => Assert.True(r.Status is HttpStatusCode.OK or HttpStatusCode.TooManyRequests, $"Got {(int)r.Status} while Redis went down."));
        Assert.True(during.Max(r => r.Elapsed) < TimeSpan.FromSeconds(4), $"The slowest request took {during.Max(r => r.Elapsed)} while Redis went down.");

        // Degraded: each replica limits on its own, and never fails open.
        var degraded = TestClients.NewAddress();
        Assert.Equal(Limit, await CountAdmittedAsync(degraded, toA, toA, Limit + 3, ct));
        Assert.Equal(Limit, await CountAdmittedAsync(degraded, toB, toB, Limit + 3, ct));
        Assert.Equal(1, metricsA.Observe(RateLimitMetrics.DegradedName));
        Assert.True(metricsA.Sum(RateLimitMetrics.DecisionsName, ("store", RateLimitMetrics.StoreInProcess), ("result", "rejected")) >= 3);

        // Redis is back: both replicas return to it promptly and share one budget again.
        await _redis.StartAsync(ct);
        await WaitUntilDistributedAsync(_a, toA, ct);
        await WaitUntilDistributedAsync(_b, toB, ct);

        Assert.Equal(Limit, await CountAdmittedAsync(TestClients.NewAddress(), toA, toB, 10, ct));
        Assert.Equal(0, metricsA.Observe(RateLimitMetrics.DegradedName));
    }

    [Fact]
    public async Task Councils_RedisKilledUnderConcurrentLoad_AreNeverA500()
    {
        // Many commands in flight when the connection drops: the client library completes some of them as cancelled,
        // not failed. Each is a Redis failure like any other (a 503 or the in-process fallback), never a 500.
        var ct = TestContext.Current.CancellationToken;
        using var toA = _a.CreateAuthorizedClient(TimeSpan.FromSeconds(10));
        using var toB = _b.CreateAuthorizedClient(TimeSpan.FromSeconds(10));
        var statuses = new System.Collections.Concurrent.ConcurrentQueue<HttpStatusCode>();
        var redisDown = false;
        var answeredWhileDown = 0;
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var load = Enumerable.Range(0, 16).Select(i => Task.Run(async () =>
        {
            var http = i % 2 == 0 ? toA : toB;
            while (!stop.IsCancellationRequested)
            {
                using var request = new HttpRequestMessage(HttpMethod.Post, "api/consilium")
                {
                    Content = System.Net.Http.Json.JsonContent.Create(new { message = "Should we?", agents = new[] { "vasquez" }, synthesis = false }),
                };
                request.Headers.TryAddWithoutValidation("X-Forwarded-For", TestClients.NewAddress().ToString());
                using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
                statuses.Enqueue(response.StatusCode);
                if (Volatile.Read(ref redisDown))
                {
                    Interlocked.Increment(ref answeredWhileDown);
                }
            }
        }, ct)).ToList();

        for (var outage = 0; outage < 4; outage++)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(700), ct);
            await _redis.StopAsync(ct);
            Volatile.Write(ref redisDown, true);
            await Task.Delay(TimeSpan.FromMilliseconds(700), ct);
            Volatile.Write(ref redisDown, false);
            await _redis.StartAsync(ct);
        }
        await Task.Delay(TimeSpan.FromMilliseconds(700), ct);
        await stop.CancelAsync();
        await Task.WhenAll(load);

        var counts = statuses.GroupBy(s => (int)s).OrderBy(g => g.Key).Select(g => $"{g.Key} x{g.Count()}");
        Assert.True(answeredWhileDown >= 4, $"Only {answeredWhileDown} of {statuses.Count} councils were answered while Redis was down: the load did not overlap the outages.");
        Assert.Contains(_a.Logs.Lines, l => l.EventId == DegradedEventId);
        Assert.Contains(_b.Logs.Lines, l => l.EventId == DegradedEventId);
        var unhandled = _a.Logs.Lines.Concat(_b.Logs.Lines).Where(l => l.Level >= Microsoft.Extensions.Logging.LogLevel.Error && l.Category.StartsWith("Microsoft.AspNetCore", StringComparison.Ordinal));
        Assert.True(statuses.All(s => s is HttpStatusCode.OK or HttpStatusCode.ServiceUnavailable),
            $"Statuses while Redis went down and up four times: {string.Join(", ", counts)}. Unhandled:\n{string.Join("\n", unhandled.Take(3).Select(l => l.Exception ?? l.Message))}");
    }

    private static async Task<int> CountAdmittedAsync(IPAddress client, HttpClient first, HttpClient second, int requests, CancellationToken ct)
    {
        var admitted = 0;
        for (var i = 0; i < requests; i++)
        {
            using var request = TestClients.Get("api/agents", client);
            using var response = await (i % 2 == 0 ? first : second).SendAsync(request, ct);
            Assert.True(response.StatusCode is HttpStatusCode.OK or HttpStatusCode.TooManyRequests, $"Got {(int)response.StatusCode}.");
            admitted += response.StatusCode == HttpStatusCode.OK ? 1 : 0;
        }
        return admitted;
    }

    private static async Task WaitForLogAsync(OrchestratorHost host, int eventId, CancellationToken ct)
    {
        var deadline = Stopwatch.StartNew();
        while (!host.Logs.Lines.Any(l => l.EventId == eventId))
        {
            Assert.True(deadline.Elapsed < TimeSpan.FromSeconds(10), $"No log event {eventId} within 10 s.");
            await Task.Delay(25, ct);
        }
    }

    /// <summary>Sends requests (each from a throwaway client) until the replica has logged that Redis is back.</summary>
    private static async Task WaitUntilDistributedAsync(OrchestratorHost host, HttpClient http, CancellationToken ct)
    {
        var recoveredBefore = host.Logs.Lines.Count(l => l.EventId == RecoveredEventId);
        var deadline = Stopwatch.StartNew();
        while (host.Logs.Lines.Count(l => l.EventId == RecoveredEventId) == recoveredBefore)
        {
            Assert.True(deadline.Elapsed < TimeSpan.FromSeconds(15), "The replica did not use Redis again within 15 s of its restart.");
            using var request = TestClients.Get("api/agents", TestClients.NewAddress());
            using var _ = await http.SendAsync(request, ct);
            await Task.Delay(50, ct);
        }
    }

    /// <summary>One client sending requests back to back, alternating replicas, recording each status and duration.</summary>
    private sealed class OutageLoad(HttpClient a, HttpClient b)
    {
        private readonly List<(HttpStatusCode Status, TimeSpan Elapsed)> _results = [];
        private volatile bool _stopped;

        public int Count
        {
            get
            {
                lock (_results)
                {
                    return _results.Count;
                }
            }
        }

        public void Stop() => _stopped = true;

        public async Task<List<(HttpStatusCode Status, TimeSpan Elapsed)>> RunAsync(CancellationToken ct)
        {
            var client = TestClients.NewAddress();
            for (var i = 0; !_stopped; i++)
            {
                var timer = Stopwatch.StartNew();
                using var request = TestClients.Get("api/agents", client);
                using var response = await (i % 2 == 0 ? a : b).SendAsync(request, ct);
                lock (_results)
                {
                    _results.Add((response.StatusCode, timer.Elapsed));
                }
            }
            lock (_results)
            {
                return [.. _results];
            }
        }

        public async Task WaitForResponsesAsync(int count, CancellationToken ct)
        {
            var deadline = Stopwatch.StartNew();
            while (Count < count)
            {
                Assert.True(deadline.Elapsed < TimeSpan.FromSeconds(15), $"Only {Count} of {count} responses within 15 s.");
                await Task.Delay(10, ct);
            }
        }
    }
}
