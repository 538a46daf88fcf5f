using Consilium.Orchestrator.Redis;
using Consilium.Orchestrator.Sessions;
using Consilium.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging.Abstractions;

namespace Consilium.Council.Tests.Sessions;

/// <summary>The Redis session store against real Redis.</summary>
public sealed class RedisSessionStoreTests(RedisFixture redis) : IClassFixture<RedisFixture>, IDisposable
{
    private static readonly TimeSpan Lifetime = TimeSpan.FromMinutes(2);
    private static readonly TimeSpan Grace = TimeSpan.FromSeconds(30);

    private readonly RedisConnection _connection = new(
        new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["REDIS_URL"] = redis.Url,
            ["REDIS_KEY_PREFIX"] = redis.KeyPrefix,
        }).Build(),
        NullLogger<RedisConnection>.Instance);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private RedisSessionStore Store(SessionStoreOptions? options = null) =>
        new(_connection, options ?? new SessionStoreOptions(), NullLogger<RedisSessionStore>.Instance);

    private static SessionEvent Event(long id, string type = "delta") => new(id, type, $"{{\"n\":{id},\"text\":\"a\\nb\"}}");

    private static string NewId() => SessionCredentials.NewSessionId();

    [Fact]
    public async Task ReadAsync_WhileEventsAreAppended_EveryEventOnceInOrder()
    {
        var store = Store();
        var id = NewId();
        var writer = await store.CreateAsync(id, [1], Lifetime, Grace, Ct);
        await writer.AppendAsync([.. Enumerable.Range(1, 50).Select(i => Event(i))], Ct);

        var fromStart = ReadAllAsync(store, id, 0);
        var fromMiddle = ReadAllAsync(store, id, 20);
        for (var i = 51; i < 600; i += 7)
        {
            await writer.AppendAsync([.. Enumerable.Range(i, Math.Min(7, 600 - i)).Select(n => Event(n))], Ct);
        }
        await writer.AppendAsync([Event(600, "done")], Ct);
        await writer.FinishAsync(600, TimeSpan.FromMinutes(1), Ct);

        Assert.Equal(Enumerable.Range(1, 600).Select(i => (long)i), (await fromStart).Select(e => e.Id));
        Assert.Equal(Enumerable.Range(21, 580).Select(i => (long)i), (await fromMiddle).Select(e => e.Id));
        Assert.Equal("{\"n\":7,\"text\":\"a\\nb\"}", (await fromStart)[6].Data);
    }

    [Fact]
    public async Task ReadAsync_ReaderSlowerThanTheCouncil_BufferStaysBoundedAndNothingIsLostOrRepeated()
    {
        var store = Store(new SessionStoreOptions { LiveBuffer = 4, PageSize = 16 });
        var id = NewId();
        var writer = await store.CreateAsync(id, [1], Lifetime, Grace, Ct);
        await writer.AppendAsync([Event(1, "session")], Ct);

        var received = new List<long>();
        var reading = Task.Run(async () =>
        {
            await foreach (var item in store.ReadAsync(id, 0, Ct))
            {
                received.Add(item.Id);
                if (item.Id % 50 == 0)
                {
                    await Task.Delay(20, Ct); // a slow client
                }
            }
        }, Ct);
        for (var i = 2; i <= 1000; i++)
        {
            await writer.AppendAsync([Event(i, i == 1000 ? "done" : "delta")], Ct);
        }
        await writer.FinishAsync(1000, TimeSpan.FromMinutes(1), Ct);
        await reading;

        Assert.Equal(Enumerable.Range(1, 1000).Select(i => (long)i), received);
    }

    [Fact]
    public async Task ReadAsync_RunnerLeaseLapsesBeforeTheEnd_EndsWithAnErrorOfTheNextId()
    {
        var store = Store(new SessionStoreOptions { RunnerLease = TimeSpan.FromMilliseconds(300), CheckInterval = TimeSpan.FromMilliseconds(100) });
        var id = NewId();
        var writer = await store.CreateAsync(id, [1], Lifetime, Grace, Ct);
        await writer.AppendAsync([Event(1, "session"), Event(2)], Ct);

        var events = await ReadAllAsync(store, id, 0);

        Assert.Equal([1, 2, 3], events.Select(e => e.Id));
        Assert.Equal("error", events[^1].Type);
        Assert.Contains("unavailable", events[^1].Data, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetAsync_CreatedAndFinished_ReportsTokenHashFinishedAndLastId()
    {
        var store = Store();
        var id = NewId();
        var hash = SessionCredentials.Hash("token");
        var writer = await store.CreateAsync(id, hash, Lifetime, Grace, Ct);
        var running = await store.GetAsync(id, Ct);
        await writer.AppendAsync([Event(1, "session"), Event(2, "done")], Ct);
        await writer.FinishAsync(2, TimeSpan.FromMinutes(1), Ct);
        var finished = await store.GetAsync(id, Ct);

        Assert.NotNull(running);
        Assert.False(running.Finished);
        Assert.Equal(hash, running.ResumeTokenHash);
        Assert.NotNull(finished);
        Assert.True(finished.Finished);
        Assert.Equal(2, finished.LastEventId);
        Assert.Null(await store.GetAsync(NewId(), Ct));
    }

    [Fact]
    public async Task Keys_EverySessionKey_HasAnExpiry()
    {
        var store = Store();
        var id = NewId();
        var writer = await store.CreateAsync(id, [1], Lifetime, Grace, Ct);
        await writer.AppendAsync([Event(1, "session")], Ct);
        await writer.HeartbeatAsync(Ct);
        var database = redis.Multiplexer.GetDatabase();
        var server = redis.Multiplexer.GetServers()[0];

        var keys = server.Keys(pattern: $"{redis.KeyPrefix}session:{{{id}}}:*").ToList();

        Assert.Equal(4, keys.Count);
        foreach (var key in keys)
        {
            Assert.True(await database.KeyTimeToLiveAsync(key) is { } ttl && ttl > TimeSpan.Zero, $"{key} has no expiry");
        }
        await writer.FinishAsync(1, TimeSpan.FromSeconds(20), Ct);
        foreach (var key in server.Keys(pattern: $"{redis.KeyPrefix}session:{{{id}}}:*"))
        {
            Assert.True(await database.KeyTimeToLiveAsync(key) is { } ttl && ttl <= TimeSpan.FromSeconds(20), $"{key} outlives the retention");
        }
    }

    private static async Task<List<SessionEvent>> ReadAllAsync(RedisSessionStore store, string sessionId, long afterId)
    {
        var events = new List<SessionEvent>();
        await foreach (var item in store.ReadAsync(sessionId, afterId, Ct))
        {
            events.Add(item);
        }
        return events;
    }

    public void Dispose() => _connection.Dispose();
}
