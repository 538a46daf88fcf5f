namespace Consilium.Orchestrator.Conversations;

/// <summary>Conversations of this process (one orchestrator replica without Redis), dropped when they expire.</summary>
public sealed class MemoryConversationStore(TimeProvider time) : IConversationStore
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, (Conversation Conversation, DateTimeOffset Expires)> _conversations = new(StringComparer.Ordinal);
    private readonly Dictionary<string, (string SessionId, DateTimeOffset Expires)> _claims = new(StringComparer.Ordinal);

    public Task<Conversation?> GetAsync(string conversationId, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            if (_conversations.TryGetValue(conversationId, out var entry))
            {
                if (entry.Expires > time.GetUtcNow())
                {
                    return Task.FromResult<Conversation?>(entry.Conversation);
                }
                _conversations.Remove(conversationId);
            }
            return Task.FromResult<Conversation?>(null);
        }
    }

    public Task SaveAsync(Conversation conversation, TimeSpan retention, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            Save(conversation, retention);
        }
        return Task.CompletedTask;
    }

    public async Task StartAsync(Conversation fresh, string sessionId, TimeSpan lease, TimeSpan retention, CancellationToken cancellationToken)
    {
        await TryClaimRoundAsync(fresh.ConversationId, sessionId, lease, cancellationToken).ConfigureAwait(false);
        await SaveAsync(fresh, retention, cancellationToken).ConfigureAwait(false);
    }

    public Task<bool> SaveRoundAsync(Conversation conversation, string sessionId, TimeSpan retention, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            if (!_claims.TryGetValue(conversation.ConversationId, out var claim) || claim.SessionId != sessionId || claim.Expires <= time.GetUtcNow())
            {
                return Task.FromResult(false);
            }
            Save(conversation, retention);
            _claims.Remove(conversation.ConversationId);
            return Task.FromResult(true);
        }
    }

    private void Save(Conversation conversation, TimeSpan retention)
    {
        var now = time.GetUtcNow();
        foreach (var expired in _conversations.Where(pair => pair.Value.Expires <= now).Select(pair => pair.Key).ToList())
        {
            _conversations.Remove(expired);
        }
        _conversations[conversation.ConversationId] = (conversation, now + retention);
    }

    public Task<bool> TryClaimRoundAsync(string conversationId, string sessionId, TimeSpan lease, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            var now = time.GetUtcNow();
            if (_claims.TryGetValue(conversationId, out var claim) && claim.Expires > now)
            {
                return Task.FromResult(false);
            }
            _claims[conversationId] = (sessionId, now + lease);
            return Task.FromResult(true);
        }
    }

    public Task ReleaseRoundAsync(string conversationId, string sessionId, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            if (_claims.TryGetValue(conversationId, out var claim) && claim.SessionId == sessionId)
            {
                _claims.Remove(conversationId);
            }
        }
        return Task.CompletedTask;
    }
}
