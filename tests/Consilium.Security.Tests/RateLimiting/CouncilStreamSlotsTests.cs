using Consilium.Orchestrator.Redis;
using Consilium.Orchestrator.Security;
using Consilium.Orchestrator.Security.RateLimiting;
using Consilium.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace Consilium.Security.Tests.RateLimiting;

public sealed class CouncilStreamSlotsTests(RedisFixture redis) : IClassFixture<RedisFixture>, IDisposable
{
    private readonly ServiceProvider _metrics = new ServiceCollection().AddMetrics().BuildServiceProvider();

    [Fact]
    public async Task TryAcquire_InRedis_CapsOpenStreamsAndFreesASlotOnRelease()
    {
        using var connection = Connect(redis.Url);
        var slots = Create(connection, new FakeTimeProvider(DateTimeOffset.UtcNow), cap: 2);
        var client = Guid.NewGuid().ToString("N");
        var ct = TestContext.Current.CancellationToken;

        var first = await slots.TryAcquireAsync(client, ct);
        var second = await slots.TryAcquireAsync(client, ct);
        var third = await slots.TryAcquireAsync(client, ct);
        await first!.DisposeAsync();
        var afterRelease = await slots.TryAcquireAsync(client, ct);

        Assert.NotNull(second);
        Assert.Null(third);
        Assert.NotNull(afterRelease);
        var ttl = await connection.Database!.KeyTimeToLiveAsync(CouncilStreamSlots.Key(client));
        Assert.NotNull(ttl);
        Assert.InRange(ttl.Value, TimeSpan.FromSeconds(1), CouncilStreamSlots.LeaseTime);
    }

    [Fact]
    public async Task TryAcquire_TwoReplicasSharingRedis_ShareTheCap()
    {
        using var a = Connect(redis.Url);
        using var b = Connect(redis.Url);
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var client = Guid.NewGuid().ToString("N");
        var ct = TestContext.Current.CancellationToken;

        var onA = await Create(a, time, cap: 1).TryAcquireAsync(client, ct);
        var onB = await Create(b, time, cap: 1).TryAcquireAsync(client, ct);

        Assert.NotNull(onA);
        Assert.Null(onB);
    }

    [Fact]
    public async Task Lease_WhileHeld_IsRenewedPastItsLeaseTime()
    {
        using var connection = Connect(redis.Url);
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var slots = Create(connection, time, cap: 1);
        var client = Guid.NewGuid().ToString("N");
        var ct = TestContext.Current.CancellationToken;
        var held = await slots.TryAcquireAsync(client, ct);

        // Two minutes of renewals: the lease is still held, so the slot is still taken.
        for (var i = 0; i < 12; i++)
        {
            time.Advance(CouncilStreamSlots.RenewEvery);
            await WaitForLeaseExpiryAsync(connection, client, time, ct);
        }
        var whileHeld = await slots.TryAcquireAsync(client, ct);

        Assert.NotNull(held);
        Assert.Null(whileHeld);
    }

    [Fact]
    public async Task TryAcquire_LeaseOfADeadReplica_IsFreedAfterTheLeaseTime()
    {
        using var connection = Connect(redis.Url);
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var client = Guid.NewGuid().ToString("N");
        var ct = TestContext.Current.CancellationToken;
        // A replica took the slot and died: nobody renews or releases it.
        await connection.Database!.SortedSetAddAsync(
            CouncilStreamSlots.Key(client), "dead-replica", time.GetUtcNow().ToUnixTimeMilliseconds() + CouncilStreamSlots.LeaseTime.TotalMilliseconds);
        var slots = Create(connection, time, cap: 1);

        var whileLeased = await slots.TryAcquireAsync(client, ct);
        time.Advance(CouncilStreamSlots.LeaseTime + TimeSpan.FromSeconds(1));
        var afterExpiry = await slots.TryAcquireAsync(client, ct);

        Assert.Null(whileLeased);
        Assert.NotNull(afterExpiry);
    }

    [Fact]
    public async Task TryAcquire_WithoutRedis_CapsPerReplica()
    {
        using var connection = Connect(url: null);
        var slots = Create(connection, new FakeTimeProvider(), cap: 1);
        var ct = TestContext.Current.CancellationToken;

        var first = await slots.TryAcquireAsync("client", ct);
        var second = await slots.TryAcquireAsync("client", ct);
        await first!.DisposeAsync();
        var third = await slots.TryAcquireAsync("client", ct);

        Assert.Null(second);
        Assert.NotNull(third);
    }

    public void Dispose() => _metrics.Dispose();

    /// <summary>Waits until the renewal the fake clock just fired has reached Redis (the lease's score moved to now + lease time).</summary>
    private static async Task WaitForLeaseExpiryAsync(RedisConnection connection, string client, FakeTimeProvider time, CancellationToken ct)
    {
        var expected = time.GetUtcNow().ToUnixTimeMilliseconds() + (long)CouncilStreamSlots.LeaseTime.TotalMilliseconds;
        var deadline = DateTime.UtcNow.AddSeconds(5);
        while (DateTime.UtcNow < deadline)
        {
            var leases = await connection.Database!.SortedSetRangeByRankWithScoresAsync(CouncilStreamSlots.Key(client));
            if (leases.Length == 1 && leases[0].Score >= expected)
            {
                return;
            }
            await Task.Delay(10, ct);
        }
        Assert.Fail("The lease was not renewed within 5 s of its renewal time.");
    }

    private RedisConnection Connect(string? url)
    {
        var settings = new Dictionary<string, string?> { ["REDIS_URL"] = url, ["REDIS_KEY_PREFIX"] = redis.KeyPrefix };
        return new RedisConnection(new ConfigurationBuilder().AddInMemoryCollection(settings).Build(), NullLogger<RedisConnection>.Instance);
    }

    private CouncilStreamSlots Create(RedisConnection connection, TimeProvider time, int cap)
    {
        var metrics = new RateLimitMetrics(_metrics.GetRequiredService<System.Diagnostics.Metrics.IMeterFactory>());
        var failover = new RedisFailover(connection, TimeProvider.System, metrics, NullLogger<RedisFailover>.Instance);
        return new CouncilStreamSlots(new PublicSecurityOptions { CouncilStreamsPerClient = cap }, failover, metrics, time);
    }
}
