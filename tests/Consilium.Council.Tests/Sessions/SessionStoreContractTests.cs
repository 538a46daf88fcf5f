using Consilium.Orchestrator.Redis;
using Consilium.Orchestrator.Sessions;
using Consilium.Testing;
using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;

namespace Consilium.Council.Tests.Sessions;

/// <summary>
/// The session store's contract, run against the in-process store and against the Redis mirror read from another
/// replica (a second store on the same real Redis): the same reader state machine must give every event once and in
/// order in both.
/// </summary>
public abstract class SessionStoreContractTests : IAsyncLifetime
{
    protected static readonly TimeSpan Lifetime = TimeSpan.FromMinutes(2);
    protected static readonly TimeSpan Grace = TimeSpan.FromSeconds(30);

    protected static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>The store the runner writes to.</summary>
    protected ISessionStore Writer { get; private set; } = null!;

    /// <summary>The store a reader asks: the same one in process; another replica's with Redis.</summary>
    protected ISessionStore Reader { get; private set; } = null!;

    protected abstract (ISessionStore Writer, ISessionStore Reader) CreateStores(SessionStoreOptions options);

    protected virtual SessionStoreOptions Options => new();

    public virtual ValueTask InitializeAsync()
    {
        (Writer, Reader) = CreateStores(Options);
        return ValueTask.CompletedTask;
    }

    public virtual ValueTask DisposeAsync()
    {
        (Writer as IDisposable)?.Dispose();
        if (!ReferenceEquals(Writer, Reader))
        {
            (Reader as IDisposable)?.Dispose();
        }
        return ValueTask.CompletedTask;
    }

    protected static string Data(long id) => $"{{\"n\":{id},\"text\":\"a\\nb\"}}";

    [Fact]
    public async Task ReadAsync_FromAnId_ReplaysTheRestThenFollowsLiveUntilTheTerminalEvent()
    {
        var id = SessionCredentials.NewSessionId();
        var writer = await Writer.CreateAsync(id, [1], Lifetime, Grace, Ct);
        writer.Append("session", Data(1));
        writer.Append("delta", Data(2));
        writer.Append("delta", Data(3));

        var reading = ReadAllAsync(id, afterId: 1);
        writer.Append("delta", Data(4));
        writer.Append("done", Data(5));
        await writer.FinishAsync(TimeSpan.FromMinutes(1), Ct);

        var events = await reading;
        Assert.Equal([2, 3, 4, 5], events.Select(e => e.Id));
        Assert.Equal(["delta", "delta", "delta", "done"], events.Select(e => e.Type));
        Assert.Equal(Data(3), events[1].Data);
    }

    [Fact]
    public async Task ReadAsync_ProducersAppendConcurrentlyWhileTwoReadersFollow_EveryEventOnceInOrder()
    {
        var id = SessionCredentials.NewSessionId();
        var writer = await Writer.CreateAsync(id, [1], Lifetime, Grace, Ct);
        writer.Append("session", Data(1));
        var fromStart = ReadAllAsync(id, 0);
        var fromMiddle = ReadAllAsync(id, 20);

        // Ten producers, as the agents' loops are; each one's own order must be kept.
        await Task.WhenAll(Enumerable.Range(0, 10).Select(producer => Task.Run(() =>
        {
            for (var i = 0; i < 60; i++)
            {
                writer.Append("delta", $"{{\"p\":{producer},\"i\":{i}}}");
            }
        }, Ct)));
        writer.Append("done", "{}");
        await writer.FinishAsync(TimeSpan.FromMinutes(1), Ct);

        var all = await fromStart;
        Assert.Equal(Enumerable.Range(1, 602).Select(i => (long)i), all.Select(e => e.Id));
        Assert.Equal(Enumerable.Range(21, 582).Select(i => (long)i), (await fromMiddle).Select(e => e.Id));
        foreach (var producer in Enumerable.Range(0, 10))
        {
            var own = all.Where(e => e.Data.StartsWith($"{{\"p\":{producer},", StringComparison.Ordinal)).Select(e => e.Data).ToList();
            Assert.Equal(Enumerable.Range(0, 60).Select(i => $"{{\"p\":{producer},\"i\":{i}}}"), own);
        }
    }

    [Fact]
    public async Task ReadAsync_ReaderSlowerThanTheCouncil_NothingIsLostOrRepeated()
    {
        var id = SessionCredentials.NewSessionId();
        var writer = await Writer.CreateAsync(id, [1], Lifetime, Grace, Ct);
        writer.Append("session", Data(1));
        var received = new List<long>();
        var first = new TaskCompletionSource();
        var reading = Task.Run(async () =>
        {
            await foreach (var item in Reader.ReadAsync(id, 0, Ct))
            {
                received.Add(item.Id);
                first.TrySetResult();
                if (item.Id % 50 == 0)
                {
                    await Task.Delay(20, Ct); // a slow client
                }
            }
        }, Ct);
        await first.Task.WaitAsync(TimeSpan.FromSeconds(10), Ct);
        for (var i = 2; i <= 1000; i++)
        {
            writer.Append(i == 1000 ? "done" : "delta", Data(i));
            if (i % 100 == 0)
            {
                await Task.Yield();
            }
        }
        await writer.FinishAsync(TimeSpan.FromMinutes(1), Ct);
        await reading.WaitAsync(TimeSpan.FromSeconds(60), Ct);

        Assert.Equal(Enumerable.Range(1, 1000).Select(i => (long)i), received);
    }

    [Fact]
    public async Task GetAsync_CreatedAndFinished_ReportsTokenHashFinishedAndLastId()
    {
        var id = SessionCredentials.NewSessionId();
        var hash = SessionCredentials.Hash("token");
        var writer = await Writer.CreateAsync(id, hash, Lifetime, Grace, Ct);
        writer.Append("session", Data(1));
        var running = await WaitForAsync(id, info => info.LastEventId == 1);
        writer.Append("done", Data(2));
        await writer.FinishAsync(TimeSpan.FromMinutes(1), Ct);
        var finished = await WaitForAsync(id, info => info.Finished);

        Assert.False(running.Finished);
        Assert.Equal(hash, running.ResumeTokenHash);
        Assert.True(finished.Finished);
        Assert.Equal(2, finished.LastEventId);
        Assert.Null(await Reader.GetAsync(SessionCredentials.NewSessionId(), Ct));
    }

    [Fact]
    public async Task ReadAsync_FinishedSession_ReplaysEverythingAndEnds()
    {
        var id = SessionCredentials.NewSessionId();
        var writer = await Writer.CreateAsync(id, [1], Lifetime, Grace, Ct);
        for (var i = 1; i < 300; i++)
        {
            writer.Append(i == 1 ? "session" : "delta", Data(i));
        }
        writer.Append("error", "{\"code\":\"cancelled\"}");
        await writer.FinishAsync(TimeSpan.FromMinutes(1), Ct);
        await WaitForAsync(id, info => info.Finished);

        var events = await ReadAllAsync(id, 0);

        Assert.Equal(Enumerable.Range(1, 300).Select(i => (long)i), events.Select(e => e.Id));
        Assert.Equal("error", events[^1].Type);
    }

    protected async Task<List<SessionEvent>> ReadAllAsync(string sessionId, long afterId)
    {
        var events = new List<SessionEvent>();
        await foreach (var item in Reader.ReadAsync(sessionId, afterId, Ct))
        {
            events.Add(item);
        }
        return events;
    }

    /// <summary>The reader's view of the session once it satisfies <paramref name="condition"/> (the mirror is written behind).</summary>
    protected async Task<SessionInfo> WaitForAsync(string sessionId, Func<SessionInfo, bool> condition)
    {
        var started = TimeProvider.System.GetTimestamp();
        SessionInfo? info = null;
        while (TimeProvider.System.GetElapsedTime(started) < TimeSpan.FromSeconds(10))
        {
            info = await Reader.GetAsync(sessionId, Ct);
            if (info is not null && condition(info))
            {
                return info;
            }
            await Task.Delay(10, Ct);
        }
        Assert.Fail($"Session {sessionId} did not reach the expected state within 10 s; last seen: {info}");
        throw new InvalidOperationException();
    }
}

public sealed class MemorySessionStoreContractTests : SessionStoreContractTests
{
    protected override (ISessionStore Writer, ISessionStore Reader) CreateStores(SessionStoreOptions options)
    {
        var store = new MemorySessionStore(TimeProvider.System, options);
        return (store, store);
    }
}

/// <summary>The Redis store on real Redis; the reader is a second replica, so it reads the mirror, not the live log.</summary>
public sealed class RedisSessionStoreContractTests(RedisFixture redis) : SessionStoreContractTests, IClassFixture<RedisFixture>
{
    private static readonly IMeterFactory MeterFactory = new ServiceCollection().AddMetrics().BuildServiceProvider().GetRequiredService<IMeterFactory>();

    private readonly List<RedisConnection> _connections = [];

    protected override (ISessionStore Writer, ISessionStore Reader) CreateStores(SessionStoreOptions options) =>
        (Replica(options), Replica(options));

    /// <summary>A small live buffer and page, so the slow-reader test also goes through overflow and paging.</summary>
    protected override SessionStoreOptions Options => new() { LiveBuffer = 4, PageSize = 16 };

    private RedisSessionStore Replica(SessionStoreOptions options)
    {
        var connection = FixtureRedis.Connect(redis);
        _connections.Add(connection);
        return new RedisSessionStore(connection, options, TimeProvider.System, new SessionMetrics(MeterFactory), NullLogger<RedisSessionStore>.Instance);
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        foreach (var connection in _connections)
        {
            connection.Dispose();
        }
    }

    [Fact]
    public async Task ReadAsync_RunnerReplicaStopsBeforeTheEnd_EndsWithAnErrorOfTheNextIdNamingTheCause()
    {
        var options = new SessionStoreOptions { RunnerLease = TimeSpan.FromMilliseconds(300), CheckInterval = TimeSpan.FromMilliseconds(100) };
        var runner = Replica(options);
        var reader = Replica(options);
        var id = SessionCredentials.NewSessionId();
        var writer = await runner.CreateAsync(id, [1], Lifetime, Grace, Ct);
        writer.Append("session", Data(1));
        writer.Append("delta", Data(2));
        var started = TimeProvider.System.GetTimestamp();
        while ((await reader.GetAsync(id, Ct))?.LastEventId != 2)
        {
            Assert.True(TimeProvider.System.GetElapsedTime(started) < TimeSpan.FromSeconds(10), "The mirror never held event 2.");
            await Task.Delay(10, Ct);
        }
        runner.Dispose(); // the replica is gone: nobody renews its lease

        var events = new List<SessionEvent>();
        await foreach (var item in reader.ReadAsync(id, 0, Ct).WithCancellation(Ct))
        {
            events.Add(item);
        }

        Assert.Equal([1, 2, 3], events.Select(e => e.Id));
        Assert.Equal("error", events[^1].Type);
        Assert.Contains("unavailable", events[^1].Data, StringComparison.Ordinal);
        Assert.Contains("runner lease", events[^1].Data, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Keys_EverySessionKey_HasAnExpiry()
    {
        var id = SessionCredentials.NewSessionId();
        var writer = await Writer.CreateAsync(id, [1], Lifetime, Grace, Ct);
        writer.Append("session", Data(1));
        await WaitForAsync(id, info => info.LastEventId == 1);
        await writer.HeartbeatAsync(Ct);
        var database = redis.Multiplexer.GetDatabase();
        var server = redis.Multiplexer.GetServers()[0];

        var keys = server.Keys(pattern: $"{redis.KeyPrefix}session:{{{id}}}:*").ToList();

        Assert.Equal(4, keys.Count);
        foreach (var key in keys)
        {
            Assert.True(await database.KeyTimeToLiveAsync(key) is { } ttl && ttl > TimeSpan.Zero, $"{key} has no expiry");
        }
        writer.Append("done", Data(2));
        await writer.FinishAsync(TimeSpan.FromSeconds(20), Ct);
        await WaitForAsync(id, info => info.Finished);
        foreach (var key in server.Keys(pattern: $"{redis.KeyPrefix}session:{{{id}}}:*"))
        {
            Assert.True(await database.KeyTimeToLiveAsync(key) is { } ttl && ttl <= TimeSpan.FromSeconds(20), $"{key} outlives the retention");
        }
    }
}
