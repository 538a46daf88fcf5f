using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Consilium.Orchestrator.Redis;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Caching.Distributed;
using Microsoft.Extensions.Caching.StackExchangeRedis;
using StackExchange.Redis;

namespace Consilium.Orchestrator.Council.Idempotency;

/// <summary>
/// <c>Idempotency-Key</c> on <c>POST /api/consilium</c> (docs/reliability.md, "Idempotent council start"): the first
/// POST with a key starts the council and remembers its session for <see cref="Window"/>; a retry with the same key
/// and the same body attaches to that session (the stream replays from the start, like a resume) instead of paying
/// for a second council; the same key with a different body is 422. Entries are per client — keyed by the hash of the
/// bearer secret and the key — so one client can never attach to another's session. Kept in Redis
/// (<see cref="IDistributedCache"/>, shared by every replica) when <c>REDIS_URL</c> is set, else in process.
/// Two requests with one key at the same moment start one council: the first to claim the key (an atomic
/// set-if-absent, <c>SET NX</c> in Redis) starts it, the other waits for its session and attaches.
/// </summary>
public sealed partial class CouncilIdempotency(
    IDistributedCache cache, RedisConnection redis, TimeProvider time, ILogger<CouncilIdempotency> logger)
{
    public const string Header = "Idempotency-Key";
    public const int MaxKeyLength = 255;

    public static readonly TimeSpan Window = TimeSpan.FromMinutes(10);

    /// <summary>How long a claim holds the key for a council being started (it is released when the request ends).</summary>
    public static readonly TimeSpan ClaimLifetime = TimeSpan.FromSeconds(30);

    /// <summary>How long a request that lost the claim waits for the winner's session before answering 409.</summary>
    public static readonly TimeSpan ClaimWait = TimeSpan.FromSeconds(10);

    private static readonly TimeSpan ClaimPoll = TimeSpan.FromMilliseconds(50);

    private const int ClaimRetryAfterSeconds = 1;

    /// <summary>The in-process claims when there is no Redis: cache key → when the claim lapses.</summary>
    private readonly ConcurrentDictionary<string, DateTimeOffset> _claims = new(StringComparer.Ordinal);

    /// <summary>What the start handler does with this request.</summary>
    public readonly record struct Check(string? CacheKey, string? Fingerprint, string? SessionId, ProblemHttpResult? Problem)
    {
        public static Check None => default;
    }

    public static IHostApplicationBuilder AddCouncilIdempotency(IHostApplicationBuilder builder)
    {
        if (string.IsNullOrWhiteSpace(builder.Configuration["REDIS_URL"]))
        {
            builder.Services.AddDistributedMemoryCache();
        }
        else
        {
            builder.Services.AddStackExchangeRedisCache(_ => { });
            // The replica's one connection (and its key prefix), not a second one.
            builder.Services.AddOptions<RedisCacheOptions>().Configure<RedisConnection>((options, redis) =>
            {
                options.ConnectionMultiplexerFactory = () => Task.FromResult(redis.Multiplexer!);
                options.InstanceName = redis.KeyPrefix + "idempotency:";
            });
        }
        builder.Services.AddSingleton<CouncilIdempotency>();
        return builder;
    }

    /// <summary>Looks the key up: none sent, a problem, the session to attach to, or a new council to remember.</summary>
    public async Task<Check> CheckAsync(HttpContext context, CouncilRequest request, CancellationToken cancellationToken)
    {
        var values = context.Request.Headers[Header];
        if (values.Count == 0)
        {
            return Check.None;
        }
        var key = values.Count == 1 ? values[0] : null;
        if (key is not { Length: > 0 and <= MaxKeyLength } || key.Any(c => c is < '!' or > '~'))
        {
            return new Check(null, null, null, TypedResults.Problem(
                $"{Header} must be one value of 1 to {MaxKeyLength} visible ASCII characters (a UUID is a good choice).",
                statusCode: StatusCodes.Status400BadRequest, title: $"Invalid {Header}"));
        }

        var cacheKey = CacheKey(context.Request.Headers.Authorization.ToString(), key);
        var fingerprint = Fingerprint(request);
        var deadline = time.GetUtcNow() + ClaimWait;
        while (true)
        {
            Entry? entry;
            bool claimed;
            try
            {
                entry = await ReadAsync(cacheKey, cancellationToken).ConfigureAwait(false);
                claimed = entry is null && await TryClaimAsync(cacheKey).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OperationCanceledException || RedisFailures.IsFailure(ex, cancellationToken))
            {
                // Without the store the retry cannot be recognised: start the council rather than refuse it.
                LogStoreFailed(ex.Message);
                return Check.None;
            }
            if (entry is not null)
            {
                return Attach(entry, fingerprint);
            }
            if (claimed)
            {
                // Released when this request ends: at once if the council did not start, harmlessly after it did.
                context.Response.RegisterForDisposeAsync(new Claim(this, cacheKey));
                return new Check(cacheKey, fingerprint, null, null);
            }
            // Another request with this key is starting its council right now: wait for its session.
            if (time.GetUtcNow() >= deadline)
            {
                context.Response.Headers.RetryAfter = ClaimRetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
                return new Check(null, null, null, TypedResults.Problem(
                    $"A council with this {Header} is still being started by another request. Retry in {ClaimRetryAfterSeconds} second to attach to it.",
                    statusCode: StatusCodes.Status409Conflict, title: $"{Header} in use"));
            }
            await Task.Delay(ClaimPoll, time, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task<Entry?> ReadAsync(string cacheKey, CancellationToken cancellationToken)
    {
        var stored = await cache.GetAsync(cacheKey, cancellationToken).ConfigureAwait(false);
        return stored is null ? null : JsonSerializer.Deserialize(stored, IdempotencyJson.Default.Entry);
    }

    private Check Attach(Entry entry, string fingerprint)
    {
        if (!CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(entry.Fingerprint), Encoding.ASCII.GetBytes(fingerprint)))
        {
            return new Check(null, null, null, TypedResults.Problem(
                $"This {Header} was used within the last {Window.TotalMinutes:0} minutes for a council with a different body. " +
                "Send the same body to attach to that council, or a new key to ask a new question.",
                statusCode: StatusCodes.Status422UnprocessableEntity, title: $"{Header} reused with a different body"));
        }
        LogAttached(entry.SessionId);
        return new Check(null, null, entry.SessionId, null);
    }

    /// <summary>Takes the key for a council about to start; false when another request holds it.</summary>
    private async Task<bool> TryClaimAsync(string cacheKey)
    {
        if (redis.Database is { } database)
        {
            return await database.StringSetAsync(ClaimKey(cacheKey), 1, ClaimLifetime, When.NotExists).ConfigureAwait(false);
        }
        var now = time.GetUtcNow();
        if (_claims.TryGetValue(cacheKey, out var lapses) && lapses <= now)
        {
            _claims.TryRemove(KeyValuePair.Create(cacheKey, lapses));
        }
        return _claims.TryAdd(cacheKey, now + ClaimLifetime);
    }

    private async Task ReleaseAsync(string cacheKey)
    {
        if (redis.Database is not { } database)
        {
            _claims.TryRemove(cacheKey, out _);
            return;
        }
        try
        {
            await database.KeyDeleteAsync(ClaimKey(cacheKey), CommandFlags.FireAndForget).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            LogStoreFailed(ex.Message); // the claim lapses by itself after ClaimLifetime
        }
    }

    private static RedisKey ClaimKey(string cacheKey) => "idempotency-claim:" + cacheKey;

    /// <summary>Releases a claim when the request that took it ends (<see cref="HttpResponse.RegisterForDisposeAsync"/>).</summary>
    private sealed class Claim(CouncilIdempotency owner, string cacheKey) : IAsyncDisposable
    {
        public ValueTask DisposeAsync() => new(owner.ReleaseAsync(cacheKey));
    }

    /// <summary>Remembers the session a new council started under the checked key.</summary>
    public async Task RememberAsync(Check check, string sessionId)
    {
        if (check.CacheKey is null || check.Fingerprint is null)
        {
            return;
        }
        try
        {
            var entry = JsonSerializer.SerializeToUtf8Bytes(new Entry(sessionId, check.Fingerprint), IdempotencyJson.Default.Entry);
            await cache.SetAsync(check.CacheKey, entry, new DistributedCacheEntryOptions { AbsoluteExpirationRelativeToNow = Window }, CancellationToken.None)
                .ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            LogStoreFailed(ex.Message);
        }
    }

    /// <summary>SHA-256 of the client's credential and the key: neither is stored as given.</summary>
    private static string CacheKey(string authorization, string key)
    {
        var client = SHA256.HashData(Encoding.UTF8.GetBytes(authorization.Trim()));
        var hash = SHA256.HashData([.. client, .. Encoding.UTF8.GetBytes(key)]);
        return Convert.ToHexStringLower(hash);
    }

    /// <summary>The body as the council sees it (the same question, seats and synthesis), hashed.</summary>
    private static string Fingerprint(CouncilRequest request)
    {
        var canonical = JsonSerializer.SerializeToUtf8Bytes(
            new Shape(request.Message ?? "", [.. request.Seats().Select(agent => agent.Id)], request.Synthesis ?? true), IdempotencyJson.Default.Shape);
        return Convert.ToHexStringLower(SHA256.HashData(canonical));
    }

    internal sealed record Entry(string SessionId, string Fingerprint);

    internal sealed record Shape(string Message, string[] Agents, bool Synthesis);

    [LoggerMessage(EventId = 4201, Level = LogLevel.Information, Message = "Idempotency-Key matched: attaching to council {SessionId}")]
    private partial void LogAttached(string sessionId);

    [LoggerMessage(EventId = 4202, Level = LogLevel.Warning, Message = "The idempotency store failed ({Reason}); the council starts without it")]
    private partial void LogStoreFailed(string reason);
}

[JsonSerializable(typeof(CouncilIdempotency.Entry))]
[JsonSerializable(typeof(CouncilIdempotency.Shape))]
internal sealed partial class IdempotencyJson : JsonSerializerContext;
