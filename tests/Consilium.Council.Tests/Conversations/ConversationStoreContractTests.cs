using Consilium.Orchestrator.Conversations;
using Consilium.Orchestrator.Redis;
using Consilium.Orchestrator.Sessions;
using Consilium.Testing;

namespace Consilium.Council.Tests.Conversations;

/// <summary>
/// The conversation store's round claim, run against the in-process store and against real Redis: a round's record is
/// written only while its claim is held, and writing it gives the claim up.
/// </summary>
public abstract class ConversationStoreContractTests : IDisposable
{
    private static readonly TimeSpan Lease = TimeSpan.FromMinutes(1);
    private static readonly TimeSpan Retention = TimeSpan.FromMinutes(5);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    protected abstract IConversationStore Store { get; }

    public virtual void Dispose() => GC.SuppressFinalize(this);

    private static Conversation Fresh()
    {
        var now = DateTimeOffset.UtcNow;
        return new Conversation(SessionCredentials.NewSessionId(), now, now, ["economist", "ethicist"], []);
    }

    [Fact]
    public async Task StartAsync_SavesTheConversationAndHoldsItsFirstRound()
    {
        var fresh = Fresh();

        await Store.StartAsync(fresh, "round-1", Lease, Retention, Ct);

        var stored = await Store.GetAsync(fresh.ConversationId, Ct);
        Assert.NotNull(stored);
        Assert.Equal(fresh.Roster, stored.Roster);
        Assert.False(await Store.TryClaimRoundAsync(fresh.ConversationId, "round-2", Lease, Ct), "A second round was let in while the first held the claim.");
    }

    [Fact]
    public async Task SaveRoundAsync_ClaimHeld_WritesAndReleasesTheClaim()
    {
        var fresh = Fresh();
        await Store.StartAsync(fresh, "round-1", Lease, Retention, Ct);
        var ended = fresh with { UpdatedAt = fresh.UpdatedAt.AddSeconds(7) };

        Assert.True(await Store.SaveRoundAsync(ended, "round-1", Retention, Ct));

        Assert.Equal(ended.UpdatedAt, (await Store.GetAsync(fresh.ConversationId, Ct))?.UpdatedAt);
        Assert.True(await Store.TryClaimRoundAsync(fresh.ConversationId, "round-2", Lease, Ct), "The claim was not released by the save.");
    }

    [Fact]
    public async Task SaveRoundAsync_ClaimHeldByAnotherRound_WritesNothingAndLeavesTheirClaim()
    {
        var fresh = Fresh();
        await Store.SaveAsync(fresh, Retention, Ct);
        Assert.True(await Store.TryClaimRoundAsync(fresh.ConversationId, "theirs", Lease, Ct));

        Assert.False(await Store.SaveRoundAsync(fresh with { UpdatedAt = fresh.UpdatedAt.AddSeconds(7) }, "ours", Retention, Ct));

        Assert.Equal(fresh.UpdatedAt, (await Store.GetAsync(fresh.ConversationId, Ct))?.UpdatedAt);
        Assert.False(await Store.TryClaimRoundAsync(fresh.ConversationId, "another", Lease, Ct), "Their claim was released by our failed save.");
    }

    [Fact]
    public async Task SaveRoundAsync_ClaimNeverTakenOrLapsed_WritesNothing()
    {
        var never = Fresh();
        await Store.SaveAsync(never, Retention, Ct);
        var lapsed = Fresh();
        await Store.StartAsync(lapsed, "round-1", TimeSpan.FromMilliseconds(50), Retention, Ct);
        await Task.Delay(TimeSpan.FromMilliseconds(200), Ct);

        Assert.False(await Store.SaveRoundAsync(never with { UpdatedAt = never.UpdatedAt.AddSeconds(7) }, "round-1", Retention, Ct));
        Assert.False(await Store.SaveRoundAsync(lapsed with { UpdatedAt = lapsed.UpdatedAt.AddSeconds(7) }, "round-1", Retention, Ct));

        Assert.Equal(never.UpdatedAt, (await Store.GetAsync(never.ConversationId, Ct))?.UpdatedAt);
        Assert.Equal(lapsed.UpdatedAt, (await Store.GetAsync(lapsed.ConversationId, Ct))?.UpdatedAt);
    }
}

public sealed class MemoryConversationStoreContractTests : ConversationStoreContractTests
{
    protected override IConversationStore Store { get; } = new MemoryConversationStore(TimeProvider.System);
}

public sealed class RedisConversationStoreContractTests : ConversationStoreContractTests, IClassFixture<RedisFixture>
{
    private readonly RedisConnection _connection;

    public RedisConversationStoreContractTests(RedisFixture redis)
    {
        _connection = FixtureRedis.Connect(redis);
        Store = new RedisConversationStore(_connection);
    }

    protected override IConversationStore Store { get; }

    public override void Dispose()
    {
        _connection.Dispose();
        base.Dispose();
    }
}
