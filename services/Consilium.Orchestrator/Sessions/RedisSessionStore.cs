using System.Globalization;
using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Consilium.Orchestrator.Redis;
using Consilium.Streaming;
using StackExchange.Redis;

namespace Consilium.Orchestrator.Sessions;

/// <summary>
/// The shared session store on Redis. Per session (keys hash-tagged by the session id, all under <c>REDIS_KEY_PREFIX</c>):
/// <list type="bullet">
/// <item><c>session:{id}:events</c> — a Stream; event <c>n</c> is entry <c>n-0</c> with fields <c>t</c> (name) and
/// <c>d</c> (data), so <c>XRANGE (n+1)-0 +</c> is exactly "everything after Last-Event-ID n".</item>
/// <item><c>session:{id}:meta</c> — a hash: <c>token</c> (SHA-256 of the resume token), <c>finished</c>, <c>last</c>.</item>
/// <item><c>session:{id}:presence</c>, <c>session:{id}:runner</c> — leases (<c>SET … PX</c>).</item>
/// <item>channel <c>session:{id}:live</c> — every appended event is also published as <c>id\nname\ndata</c>.</item>
/// </list>
/// A reader subscribes first, then replays with <c>XRANGE</c>, then follows the channel. A live event that does not
/// follow the last one delivered (a gap), or a full live buffer, sends the reader back to the log — so every event
/// arrives exactly once and in order, and a slow client holds at most <see cref="SessionStoreOptions.LiveBuffer"/> events.
/// </summary>
public sealed partial class RedisSessionStore(
    RedisConnection redis,
    SessionStoreOptions options,
    ILogger<RedisSessionStore> logger) : ISessionStore
{
    private const string TypeField = "t";
    private const string DataField = "d";

    private IDatabase Database => redis.Database ?? throw new InvalidOperationException("REDIS_URL is not configured.");

    private SessionStoreOptions Options => options;

    /// <summary>The database without the key prefix, for PUBLISH: channel names carry the prefix themselves.</summary>
    private IDatabase Publisher => redis.Multiplexer!.GetDatabase();

    public async Task<ISessionWriter> CreateAsync(string sessionId, byte[] resumeTokenHash, TimeSpan lifetime, TimeSpan grace, CancellationToken cancellationToken)
    {
        var database = Database;
        var keys = new Keys(sessionId, redis.KeyPrefix);
        await Task.WhenAll(
            database.HashSetAsync(keys.Meta, [new("token", resumeTokenHash), new("finished", 0), new("last", 0)]),
            database.KeyExpireAsync(keys.Meta, lifetime),
            database.StringSetAsync(keys.Presence, 1, grace),
            database.StringSetAsync(keys.Runner, 1, options.RunnerLease)).ConfigureAwait(false);
        return new Writer(this, keys, lifetime, grace);
    }

    public async Task<SessionInfo?> GetAsync(string sessionId, CancellationToken cancellationToken)
    {
        var values = await Database.HashGetAsync(new Keys(sessionId, redis.KeyPrefix).Meta, ["token", "finished", "last"]).ConfigureAwait(false);
        if (values[0].IsNull)
        {
            return null;
        }
        return new SessionInfo(sessionId, (byte[])values[0]!, (long)values[1] == 1, (long)values[2]);
    }

    public async IAsyncEnumerable<SessionEvent> ReadAsync(string sessionId, long afterId, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var keys = new Keys(sessionId, redis.KeyPrefix);
        var feed = new LiveFeed(options.LiveBuffer);
        var queue = await redis.Multiplexer!.GetSubscriber().SubscribeAsync(keys.Live).ConfigureAwait(false);
        queue.OnMessage(message => feed.Offer(message.Message));
        try
        {
            var last = afterId;
            var catchUp = true;
            Task<bool>? pending = null;
            while (true)
            {
                if (catchUp)
                {
                    catchUp = false;
                    while (true)
                    {
                        var page = await Database.StreamRangeAsync(keys.Events, $"{last + 1}-0", "+", options.PageSize).ConfigureAwait(false);
                        foreach (var entry in page)
                        {
                            if (Parse(entry) is not { } item || item.Id <= last)
                            {
                                continue;
                            }
                            yield return item;
                            last = item.Id;
                            if (item.IsTerminal)
                            {
                                yield break;
                            }
                        }
                        if (page.Length < options.PageSize)
                        {
                            break;
                        }
                    }
                }

                while (feed.TryRead(out var item))
                {
                    if (item.Id <= last)
                    {
                        continue;
                    }
                    if (item.Id != last + 1)
                    {
                        catchUp = true; // a gap: the log has what the channel skipped
                        break;
                    }
                    yield return item;
                    last = item.Id;
                    if (item.IsTerminal)
                    {
                        yield break;
                    }
                }
                if (catchUp || feed.TakeOverflow())
                {
                    catchUp = true;
                    continue;
                }

                pending ??= feed.WaitAsync(cancellationToken);
                var woke = true;
                try
                {
                    await pending.WaitAsync(options.CheckInterval, cancellationToken).ConfigureAwait(false);
                }
                catch (TimeoutException)
                {
                    woke = false;
                }
                if (woke)
                {
                    pending = null;
                    continue;
                }

                // Quiet for a while: is anyone still writing this log?
                var state = await GetStateAsync(keys).ConfigureAwait(false);
                if (state == SessionState.Gone)
                {
                    yield break;
                }
                if (state != SessionState.Running)
                {
                    var before = last;
                    await foreach (var item in RangeAsync(keys, last, cancellationToken).ConfigureAwait(false))
                    {
                        yield return item;
                        last = item.Id;
                        if (item.IsTerminal)
                        {
                            yield break;
                        }
                    }
                    if (state == SessionState.Finished && last == before)
                    {
                        yield break;
                    }
                    if (state == SessionState.RunnerLost)
                    {
                        LogRunnerLost(sessionId, last);
                        yield return new SessionEvent(last + 1, SseNames.Error, StreamEvents.Error(
                            ErrorCodes.Unavailable, "The orchestrator running this council stopped before it finished. Ask the council again.").Data);
                        yield break;
                    }
                }
            }
        }
        finally
        {
            await queue.UnsubscribeAsync().ConfigureAwait(false);
        }
    }

    public Task TouchPresenceAsync(string sessionId, TimeSpan grace, CancellationToken cancellationToken) =>
        Database.StringSetAsync(new Keys(sessionId, redis.KeyPrefix).Presence, 1, grace);

    private async IAsyncEnumerable<SessionEvent> RangeAsync(Keys keys, long afterId, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var last = afterId;
        while (!cancellationToken.IsCancellationRequested)
        {
            var page = await Database.StreamRangeAsync(keys.Events, $"{last + 1}-0", "+", options.PageSize).ConfigureAwait(false);
            foreach (var entry in page)
            {
                if (Parse(entry) is { } item && item.Id > last)
                {
                    yield return item;
                    last = item.Id;
                }
            }
            if (page.Length < options.PageSize)
            {
                yield break;
            }
        }
    }

    private async Task<SessionState> GetStateAsync(Keys keys)
    {
        var finished = Database.HashGetAsync(keys.Meta, "finished");
        var runner = Database.KeyExistsAsync(keys.Runner);
        await Task.WhenAll(finished, runner).ConfigureAwait(false);
        return finished.Result.IsNull ? SessionState.Gone
            : (long)finished.Result == 1 ? SessionState.Finished
            : runner.Result ? SessionState.Running
            : SessionState.RunnerLost;
    }

    private static SessionEvent? Parse(StreamEntry entry)
    {
        var id = entry.Id.ToString();
        var dash = id.IndexOf('-', StringComparison.Ordinal);
        if (!long.TryParse(dash < 0 ? id : id[..dash], NumberStyles.None, CultureInfo.InvariantCulture, out var sequence))
        {
            return null;
        }
        var type = entry[TypeField];
        var data = entry[DataField];
        return type.IsNull || data.IsNull ? null : new SessionEvent(sequence, type!, data!);
    }

    private enum SessionState
    {
        Running,
        Finished,
        RunnerLost,
        Gone,
    }

    /// <summary>A session's key names, relative to the connection's key prefix (the channel carries it in full).</summary>
    private readonly struct Keys(string sessionId, string prefix)
    {
        public RedisKey Events { get; } = $"session:{{{sessionId}}}:events";
        public RedisKey Meta { get; } = $"session:{{{sessionId}}}:meta";
        public RedisKey Presence { get; } = $"session:{{{sessionId}}}:presence";
        public RedisKey Runner { get; } = $"session:{{{sessionId}}}:runner";
        public RedisChannel Live { get; } = RedisChannel.Literal($"{prefix}session:{{{sessionId}}}:live");
    }

    /// <summary>The live events a reader has been sent and not yet delivered; bounded, with an overflow flag.</summary>
    private sealed class LiveFeed(int capacity)
    {
        private readonly Channel<SessionEvent> _events = Channel.CreateBounded<SessionEvent>(
            new BoundedChannelOptions(capacity) { SingleReader = true, SingleWriter = true, FullMode = BoundedChannelFullMode.Wait });
        private int _overflowed;

        public void Offer(RedisValue message)
        {
            if (LiveMessage.TryParse(message, out var item) && !_events.Writer.TryWrite(item))
            {
                Volatile.Write(ref _overflowed, 1);
            }
        }

        public bool TryRead(out SessionEvent item) => _events.Reader.TryRead(out item);

        public bool TakeOverflow() => Interlocked.Exchange(ref _overflowed, 0) == 1;

        public Task<bool> WaitAsync(CancellationToken cancellationToken) => _events.Reader.WaitToReadAsync(cancellationToken).AsTask();
    }

    /// <summary>The runner's writer: XADD with explicit ids and a PUBLISH per event, pipelined per batch.</summary>
    private sealed class Writer(RedisSessionStore store, Keys keys, TimeSpan lifetime, TimeSpan grace) : ISessionWriter
    {
        private bool _expirySet;

        public async Task AppendAsync(IReadOnlyList<SessionEvent> events, CancellationToken cancellationToken)
        {
            var database = store.Database;
            var publisher = store.Publisher;
            var writes = new Task[events.Count + (_expirySet ? 0 : 1)];
            for (var i = 0; i < events.Count; i++)
            {
                var item = events[i];
                writes[i] = database.StreamAddAsync(
                    keys.Events,
                    [new NameValueEntry(TypeField, item.Type), new NameValueEntry(DataField, item.Data)],
                    messageId: $"{item.Id}-0");
                _ = publisher.PublishAsync(keys.Live, LiveMessage.Format(item), CommandFlags.FireAndForget);
            }
            if (!_expirySet)
            {
                writes[^1] = database.KeyExpireAsync(keys.Events, lifetime);
                _expirySet = true;
            }
            await Task.WhenAll(writes).ConfigureAwait(false);
        }

        public async Task<bool> HeartbeatAsync(CancellationToken cancellationToken)
        {
            var database = store.Database;
            var renew = database.StringSetAsync(keys.Runner, 1, store.Options.RunnerLease);
            var present = database.KeyExistsAsync(keys.Presence);
            await Task.WhenAll(renew, present).ConfigureAwait(false);
            return present.Result;
        }

        public async Task FinishAsync(long lastEventId, TimeSpan retention, CancellationToken cancellationToken)
        {
            var database = store.Database;
            await Task.WhenAll(
                database.HashSetAsync(keys.Meta, [new("finished", 1), new("last", lastEventId)]),
                database.KeyExpireAsync(keys.Meta, retention),
                database.KeyExpireAsync(keys.Events, retention),
                database.KeyDeleteAsync(keys.Runner),
                // A client may still be reading; presence no longer matters once the council is over.
                database.KeyExpireAsync(keys.Presence, grace < retention ? grace : retention)).ConfigureAwait(false);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Session {SessionId}: the replica running it stopped after event {LastEventId}; readers get an error")]
    private partial void LogRunnerLost(string sessionId, long lastEventId);
}

/// <summary>The pub/sub form of a session event: <c>id\nname\ndata</c> (ids and names never contain a line feed).</summary>
internal static class LiveMessage
{
    public static string Format(SessionEvent item) =>
        string.Create(CultureInfo.InvariantCulture, $"{item.Id}\n{item.Type}\n{item.Data}");

    public static bool TryParse(RedisValue message, out SessionEvent item)
    {
        item = default;
        string? text = message;
        if (text is null)
        {
            return false;
        }
        var first = text.IndexOf('\n', StringComparison.Ordinal);
        var second = first < 0 ? -1 : text.IndexOf('\n', first + 1);
        if (second < 0 || !long.TryParse(text.AsSpan(0, first), NumberStyles.None, CultureInfo.InvariantCulture, out var id))
        {
            return false;
        }
        item = new SessionEvent(id, Name(text.AsSpan(first + 1, second - first - 1)), text[(second + 1)..]);
        return true;
    }

    /// <summary>The council's event names without allocating a string per event.</summary>
    private static string Name(ReadOnlySpan<char> name) => name switch
    {
        "delta" => "delta",
        "synthesis_delta" => "synthesis_delta",
        "agent_start" => "agent_start",
        "agent_done" => "agent_done",
        "agent_error" => "agent_error",
        "retry" => "retry",
        "session" => "session",
        "tension_map" => "tension_map",
        "done" => "done",
        "error" => "error",
        _ => name.ToString(),
    };
}
