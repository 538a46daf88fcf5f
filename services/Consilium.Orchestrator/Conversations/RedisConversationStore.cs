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

    public Task StartAsync(Conversation fresh, string sessionId, TimeSpan lease, TimeSpan retention, CancellationToken cancellationToken) =>
        Call(async () =>
        {
            // Both commands go out before either answer is awaited: one round trip (the connection keeps their order).
            var database = Database;
            var claim = database.LockTakeAsync(ClaimKey(fresh.ConversationId), sessionId, lease);
            var save = database.StringSetAsync(
                Key(fresh.ConversationId), JsonSerializer.Serialize(fresh, ConversationJson.Readable.Conversation), retention);
            await Task.WhenAll(claim, save).ConfigureAwait(false);
            return true;
        });

    public async Task<bool> SaveRoundAsync(Conversation conversation, string sessionId, TimeSpan retention, CancellationToken cancellationToken)
    {
        var result = await Call(() => Database.ScriptEvaluateAsync(
            SaveRoundScript,
            [Key(conversation.ConversationId), ClaimKey(conversation.ConversationId)],
            [JsonSerializer.Serialize(conversation, ConversationJson.Readable.Conversation), (long)retention.TotalMilliseconds, sessionId])).ConfigureAwait(false);
        return (long)result == 1;
    }

    /// <summary>KEYS: the conversation, its claim. ARGV: the JSON, the retention in ms, the claim holder. 1 when written.</summary>
    private const string SaveRoundScript = """
        if redis.call('GET', KEYS[2]) ~= ARGV[3] then
          return 0
        end
        redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
        redis.call('DEL', KEYS[2])
        return 1
        """;

    private static RedisKey Key(string conversationId) => $"conversation:{conversationId}";

    private static RedisKey ClaimKey(string conversationId) => $"conversation:{conversationId}:round";

    private static async Task<T> Call<T>(Func<Task<T>> call)
    {
        try
        {
            return await call().ConfigureAwait(false);
        }
        catch (Exception ex) when (RedisFailures.IsFailure(ex))
        {
            throw new SessionStoreUnavailableException("The conversation store (Redis) is not reachable right now.", ex);
        }
    }
}
