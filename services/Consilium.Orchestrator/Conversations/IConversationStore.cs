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
}
