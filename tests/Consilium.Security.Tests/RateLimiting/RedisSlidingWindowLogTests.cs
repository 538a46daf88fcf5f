using Consilium.Orchestrator.Security.RateLimiting;
using Consilium.Testing;
using StackExchange.Redis;
using StackExchange.Redis.KeyspaceIsolation;

namespace Consilium.Security.Tests.RateLimiting;

/// <summary>The Lua sliding-window log against a real Redis, with the clock passed in so time can be stepped.</summary>
public class RedisSlidingWindowLogTests(RedisFixture redis) : IClassFixture<RedisFixture>
{
    private static readonly TimeSpan Window = TimeSpan.FromSeconds(60);
    private const long Start = 1_800_000_000_000;

    private IDatabase Database => redis.Multiplexer.GetDatabase().WithKeyPrefix(redis.KeyPrefix);

    [Fact]
    public async Task TryAcquire_UpToTheLimit_AdmitsThenRefusesWithTheResetOfTheOldest()
    {
        var log = new RedisSlidingWindowLog(limit: 3, Window);
        var key = NewKey();

        var first = await log.TryAcquireAsync(Database, key, Start);
        await log.TryAcquireAsync(Database, key, Start + 10_000);
        var third = await log.TryAcquireAsync(Database, key, Start + 10_000);
        var refused = await log.TryAcquireAsync(Database, key, Start + 20_000);
        var freed = await log.TryAcquireAsync(Database, key, Start + 60_000);

        Assert.True(first.Admitted);
        Assert.Equal(2, first.Remaining);
        Assert.True(third.Admitted);
        Assert.Equal(0, third.Remaining);
        Assert.False(refused.Admitted);
        Assert.Equal(40, refused.RetryAfterSeconds);
        Assert.True(freed.Admitted);
    }

    [Fact]
    public async Task TryAcquire_EveryWrite_LeavesTheKeyWithAnExpiryNoLongerThanTheWindow()
    {
        var log = new RedisSlidingWindowLog(limit: 2, Window);
        var key = NewKey();
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();

        for (var i = 0; i < 5; i++)
        {
            await log.TryAcquireAsync(Database, key, now);
            var ttl = await Database.KeyTimeToLiveAsync(key);
            Assert.NotNull(ttl);
            Assert.InRange(ttl.Value, TimeSpan.FromSeconds(1), Window);
        }
    }

    [Fact]
    public async Task TryAcquire_WhenEveryEntryHasAged_TheKeyIsGone()
    {
        // A window long enough that the key is surely still there when it is first checked, even on a loaded machine
        // (with 100 ms it once expired between the write and the check).
        var log = new RedisSlidingWindowLog(limit: 2, TimeSpan.FromSeconds(1.5));
        var key = NewKey();
        await log.TryAcquireAsync(Database, key, DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
        Assert.True(await Database.KeyExistsAsync(key));

        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (await Database.KeyExistsAsync(key) && DateTime.UtcNow < deadline)
        {
            await Task.Delay(20, TestContext.Current.CancellationToken);
        }

        Assert.False(await Database.KeyExistsAsync(key));
    }

    [Fact]
    public async Task TryAcquire_HundredConcurrentCallsOverTwoConnections_AdmitsExactlyTheLimit()
    {
        var log = new RedisSlidingWindowLog(limit: 20, Window);
        var key = NewKey();
        await using var second = await ConnectionMultiplexer.ConnectAsync(redis.ConnectionString);
        IDatabase[] replicas = [Database, second.GetDatabase().WithKeyPrefix(redis.KeyPrefix)];
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();

        var decisions = await Task.WhenAll(Enumerable.Range(0, 100).Select(i => log.TryAcquireAsync(replicas[i % 2], key, now + (i % 7))));

        Assert.Equal(20, decisions.Count(d => d.Admitted));
        Assert.Equal(20, await Database.SortedSetLengthAsync(key));
    }

    private static RedisKey NewKey() => "ratelimit:test-" + Guid.NewGuid().ToString("N");
}
