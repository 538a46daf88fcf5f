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
/// released; a store that stays down past the claim's lease gives up. Never a lost round because Redis blinked. A new
/// conversation's first write runs beside its council's start and says when it is done.
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

    [Fact]
    public async Task Begin_NewConversation_PlansBeforeItsWrite_StoredCompletesOnceWrittenAndClaimed()
    {
        var store = new BlinkingStore(new MemoryConversationStore(_time)) { StartGate = new(TaskCreationOptions.RunContinuationsAsynchronously) };
        var service = Service(store);

        // The council may be asked while the new conversation is still being written...
        var (plan, problem, stored) = await service.BeginAsync(new CouncilRequest("Should we?", null, false), Ct);
        Assert.Null(problem);
        Assert.False(stored.IsCompleted);
        Assert.Null(await store.Inner.GetAsync(plan!.ConversationId, Ct));

        // ...and Stored says when a client may be told its id: written, with this round's claim held.
        store.StartGate.SetResult();
        await stored.WaitAsync(TimeSpan.FromSeconds(5), Ct);
        Assert.NotNull(await store.Inner.GetAsync(plan.ConversationId, Ct));
        Assert.False(await store.Inner.TryClaimRoundAsync(plan.ConversationId, "another", TimeSpan.FromMinutes(1), Ct), "The first round's claim is not held.");
    }

    [Fact]
    public async Task Begin_NewConversation_StoreDown_StillPlansAndStoredDoesNotFail()
    {
        var store = new BlinkingStore(new MemoryConversationStore(_time)) { Down = true };

        var (plan, problem, stored) = await Service(store).BeginAsync(new CouncilRequest("Should we?", null, false), Ct);

        Assert.Null(problem);
        Assert.NotNull(plan);
        await stored.WaitAsync(TimeSpan.FromSeconds(5), Ct); // a first question runs while Redis is down
        Assert.Equal(TaskStatus.RanToCompletion, stored.Status);
    }

    private ConversationService Service(IConversationStore store) => new(
        store, Options.Create(new ConversationOptions()), Options.Create(new CouncilOptions()), _time, NullLogger<ConversationService>.Instance);

    /// <summary>Starts a conversation while the store is up, then records its first round while the store is down.</summary>
    private async Task<(BlinkingStore Store, RoundPlan Plan)> RecordWhileDownAsync()
    {
        var store = new BlinkingStore(new MemoryConversationStore(_time));
        var service = Service(store);
        var (plan, _, stored) = await service.BeginAsync(new CouncilRequest("Should we?", null, false), Ct);
        await stored;
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

        /// <summary>When set, <see cref="StartAsync"/> writes only once it completes.</summary>
        public TaskCompletionSource? StartGate;

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
            Call(async () =>
            {
                await (StartGate?.Task ?? Task.CompletedTask);
                await inner.StartAsync(fresh, sessionId, lease, retention, cancellationToken);
            });

        public Task<bool> SaveRoundAsync(Conversation conversation, string sessionId, TimeSpan retention, CancellationToken cancellationToken) =>
            Call(() => inner.SaveRoundAsync(conversation, sessionId, retention, cancellationToken));
    }
}
