using System.Text.Json;
using Consilium.Orchestrator.Redis;
using Consilium.Orchestrator.Sessions;
using StackExchange.Redis;

namespace Consilium.Orchestrator.Conversations;

/// <summary>
/// Conversations in Redis under the connection's key prefix: <c>conversation:{id}</c> holds the conversation as one
/// JSON string with the retention as its TTL (refreshed by every save); <c>conversation:{id}:round</c> is the round
/// claim (<c>SET NX PX</c>, the running round's session id), released only by its holder.
/// </summary>
public sealed class RedisConversationStore(RedisConnection redis) : IConversationStore
{
    private IDatabase Database => redis.Database ?? throw new InvalidOperationException("REDIS_URL is not set.");

    public async Task<Conversation?> GetAsync(string conversationId, CancellationToken cancellationToken)
    {
        var value = await Call(() => Database.StringGetAsync(Key(conversationId))).ConfigureAwait(false);
        return value.IsNullOrEmpty ? null : JsonSerializer.Deserialize(value.ToString(), ConversationJson.Readable.Conversation);
    }

    public Task SaveAsync(Conversation conversation, TimeSpan retention, CancellationToken cancellationToken) =>
        Call(() => Database.StringSetAsync(
            Key(conversation.ConversationId), JsonSerializer.Serialize(conversation, ConversationJson.Readable.Conversation), retention));

    public Task<bool> TryClaimRoundAsync(string conversationId, string sessionId, TimeSpan lease, CancellationToken cancellationToken) =>
        Call(() => Database.LockTakeAsync(ClaimKey(conversationId), sessionId, lease));

    public Task ReleaseRoundAsync(string conversationId, string sessionId, CancellationToken cancellationToken) =>
        Call(() => Database.LockReleaseAsync(ClaimKey(conversationId), sessionId));

    private static RedisKey Key(string conversationId) => $"conversation:{conversationId}";

    private static RedisKey ClaimKey(string conversationId) => $"conversation:{conversationId}:round";

    private static async Task<T> Call<T>(Func<Task<T>> call)
    {
        try
        {
            return await call().ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is RedisException or TimeoutException)
        {
            throw new SessionStoreUnavailableException("The conversation store (Redis) is not reachable right now.", ex);
        }
    }
}
