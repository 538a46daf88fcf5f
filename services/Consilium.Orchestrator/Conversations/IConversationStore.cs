namespace Consilium.Orchestrator.Conversations;

/// <summary>
/// Where conversations live: Redis when <c>REDIS_URL</c> is set (every replica sees every conversation), else in this
/// process. A conversation is written when it starts and once when each round ends, never per event. Rounds are
/// serialised by a claim: at most one round of a conversation runs at a time, on any replica.
/// </summary>
public interface IConversationStore
{
    /// <summary>The conversation, or <c>null</c> when it never existed or expired.</summary>
    Task<Conversation?> GetAsync(string conversationId, CancellationToken cancellationToken);

    /// <summary>Writes the conversation and sets its lifetime to <paramref name="retention"/> from now.</summary>
    Task SaveAsync(Conversation conversation, TimeSpan retention, CancellationToken cancellationToken);

    /// <summary>
    /// Claims the next round for <paramref name="sessionId"/>; false when another round holds the claim. The claim lapses
    /// after <paramref name="lease"/> even if its replica dies.
    /// </summary>
    Task<bool> TryClaimRoundAsync(string conversationId, string sessionId, TimeSpan lease, CancellationToken cancellationToken);

    /// <summary>Gives up the claim if <paramref name="sessionId"/> still holds it.</summary>
    Task ReleaseRoundAsync(string conversationId, string sessionId, CancellationToken cancellationToken);

    /// <summary>
    /// Claims the first round of a conversation that has just been made (its id is new, so nobody else holds the claim)
    /// and writes it, in one round trip: a council's first delta waits for this.
    /// </summary>
    Task StartAsync(Conversation fresh, string sessionId, TimeSpan lease, TimeSpan retention, CancellationToken cancellationToken);

    /// <summary>
    /// When <paramref name="sessionId"/> still holds the claim: writes <paramref name="conversation"/> (the round just
    /// ended appended) and releases the claim, as one atomic step and one round trip; the council's <c>done</c> waits
    /// for this. False, and nothing written, when the claim is not held (it lapsed, or was never taken).
    /// </summary>
    Task<bool> SaveRoundAsync(Conversation conversation, string sessionId, TimeSpan retention, CancellationToken cancellationToken);
}
