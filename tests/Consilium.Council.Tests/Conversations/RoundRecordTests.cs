using Consilium.Orchestrator.Conversations;
using Consilium.Orchestrator.Council;
using Consilium.Orchestrator.Sessions;
using Consilium.Streaming;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Options = Microsoft.Extensions.Options.Options;

namespace Consilium.Council.Tests.Conversations;

/// <summary>
/// A round whose record meets an unreachable store is kept and written once the store is back, with its claim
/// released; a store that stays down past the claim's lease gives up. Never a lost round because Redis blinked.
/// </summary>
public sealed class RoundRecordTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private readonly FakeTimeProvider _time = new(DateTimeOffset.Parse("2026-12-04T03:00:00Z", System.Globalization.CultureInfo.InvariantCulture));

    [Fact]
    public async Task Record_StoreDownAtTheEnd_IsWrittenOnceItIsBack_AndTheClaimReleased()
    {
        var (store, plan) = await RecordWhileDownAsync();
        Assert.Empty((await store.Inner.GetAsync(plan.ConversationId, Ct))!.Rounds);

        // Still down after the first two retries (1 s, 2 s); back before the third (4 s later).
        await AdvanceAsync(TimeSpan.FromSeconds(1));
        await AdvanceAsync(TimeSpan.FromSeconds(2));
        Assert.Empty((await store.Inner.GetAsync(plan.ConversationId, Ct))!.Rounds);
        store.Down = false;
        await AdvanceAsync(TimeSpan.FromSeconds(4));

        var stored = await WaitForAsync(async () => await store.Inner.GetAsync(plan.ConversationId, Ct) is { Rounds.Count: > 0 } written ? written : null);
        var round = Assert.Single(stored.Rounds);
        Assert.Equal("s-1", round.SessionId);
        Assert.True(await store.Inner.TryClaimRoundAsync(plan.ConversationId, "next", TimeSpan.FromMinutes(1), Ct), "The round's claim was not released.");
    }

    [Fact]
    public async Task Record_StoreDownPastTheLease_GivesUpWithoutThrowing()
    {
        var (store, plan) = await RecordWhileDownAsync();
        for (var i = 0; i < 40; i++)
        {
            await AdvanceAsync(TimeSpan.FromSeconds(30));
        }
        var attempts = store.Attempts;
        await AdvanceAsync(TimeSpan.FromMinutes(10));

        Assert.Equal(attempts, store.Attempts); // it stopped trying
        Assert.Empty((await store.Inner.GetAsync(plan.ConversationId, Ct))!.Rounds);
    }

    /// <summary>Starts a conversation while the store is up, then records its first round while the store is down.</summary>
    private async Task<(BlinkingStore Store, RoundPlan Plan)> RecordWhileDownAsync()
    {
        var store = new BlinkingStore(new MemoryConversationStore(_time));
        var service = new ConversationService(
            store, Options.Create(new ConversationOptions()), Options.Create(new CouncilOptions()), _time, NullLogger<ConversationService>.Instance);
        var (plan, _) = await service.BeginAsync(new CouncilRequest("Should we?", null, false), Ct);
        store.Down = true;

        var session = new CouncilSession("s-1", "token", plan!.CouncilQuestion, plan.Seats, false, plan);
        var answers = plan.Seats.Select(seat => new AgentAnswer(seat, _time.GetTimestamp(), _time)).ToArray();
        await service.RecordAsync(session, answers, [.. answers.Select(_ => true)], null, Usage.Zero, default, _time.GetUtcNow(), "done");
        return (store, plan);
    }

    /// <summary>Moves the clock and lets the retry's continuation run.</summary>
    private async Task AdvanceAsync(TimeSpan by)
    {
        _time.Advance(by);
        await Task.Delay(20, Ct);
    }

    private static async Task<T> WaitForAsync<T>(Func<Task<T?>> read) where T : class
    {
        for (var i = 0; i < 200; i++)
        {
            if (await read() is { } value)
            {
                return value;
            }
            await Task.Delay(10, Ct);
        }
        throw new TimeoutException("The round was not recorded within 2 s of the store coming back.");
    }

    /// <summary>The in-process store, unreachable while <see cref="Down"/> is set (as the Redis store reports it).</summary>
    private sealed class BlinkingStore(MemoryConversationStore inner) : IConversationStore
    {
        public MemoryConversationStore Inner => inner;

        public volatile bool Down;

        public int Attempts;

        private Task<T> Call<T>(Func<Task<T>> call)
        {
            Interlocked.Increment(ref Attempts);
            return Down ? Task.FromException<T>(new SessionStoreUnavailableException("The conversation store (Redis) is not reachable right now.")) : call();
        }

        private async Task Call(Func<Task> call) => await Call(async () => { await call(); return true; });

        public Task<Conversation?> GetAsync(string conversationId, CancellationToken cancellationToken) => Call(() => inner.GetAsync(conversationId, cancellationToken));

        public Task SaveAsync(Conversation conversation, TimeSpan retention, CancellationToken cancellationToken) => Call(() => inner.SaveAsync(conversation, retention, cancellationToken));

        public Task<bool> TryClaimRoundAsync(string conversationId, string sessionId, TimeSpan lease, CancellationToken cancellationToken) =>
            Call(() => inner.TryClaimRoundAsync(conversationId, sessionId, lease, cancellationToken));

        public Task ReleaseRoundAsync(string conversationId, string sessionId, CancellationToken cancellationToken) => Call(() => inner.ReleaseRoundAsync(conversationId, sessionId, cancellationToken));

        public Task StartAsync(Conversation fresh, string sessionId, TimeSpan lease, TimeSpan retention, CancellationToken cancellationToken) =>
            Call(() => inner.StartAsync(fresh, sessionId, lease, retention, cancellationToken));

        public Task<bool> SaveRoundAsync(Conversation conversation, string sessionId, TimeSpan retention, CancellationToken cancellationToken) =>
            Call(() => inner.SaveRoundAsync(conversation, sessionId, retention, cancellationToken));
    }
}
