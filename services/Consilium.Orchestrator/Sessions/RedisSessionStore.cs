using System.Globalization;
using System.Text;
using System.Threading.Channels;
using Consilium.Orchestrator.Redis;
using StackExchange.Redis;

namespace Consilium.Orchestrator.Sessions;

/// <summary>
/// The session store with Redis (docs/streaming.md "The session log"). A running council's log is the in-process
/// <see cref="SessionLog"/> of the replica running it, and readers on that replica follow it there; a per-session
/// <see cref="Mirror"/> writes it behind to Redis, in one pipelined batch per wake-up (everything appended since the
/// last flush), for resumes and readers on other replicas. Per session (keys hash-tagged by the session id, all under
/// <c>REDIS_KEY_PREFIX</c>):
/// <list type="bullet">
/// <item><c>session:{id}:events</c> — a Stream; event <c>n</c> is entry <c>n-0</c> with fields <c>t</c> (name) and
/// <c>d</c> (data), so <c>XRANGE (n+1)-0 +</c> is exactly "everything after Last-Event-ID n".</item>
/// <item><c>session:{id}:meta</c> — a hash: <c>token</c> (SHA-256 of the resume token), <c>finished</c>, <c>last</c> (the last event mirrored).</item>
/// <item><c>session:{id}:presence</c>, <c>session:{id}:runner</c> — leases (<c>SET … PX</c>).</item>
/// <item>channel <c>session:{id}:live</c> — each mirrored batch is also published as one message (<see cref="LiveMessage"/>).</item>
/// </list>
/// When Redis is unreachable the council goes on for its readers here; the mirror retries and, when Redis is back,
/// writes the meta again and re-sends from the stream's last entry, so it catches up with every event once.
/// </summary>
public sealed partial class RedisSessionStore : ISessionStore, IDisposable
{
    private const string TypeField = "t";
    private const string DataField = "d";

    /// <summary>Events per mirror batch at most (one pipeline).</summary>
    public const int MaxBatch = 512;

    /// <summary>How long a finishing council waits for its mirror to hold the end before it lets the mirror go on alone.</summary>
    public static readonly TimeSpan FinishWait = TimeSpan.FromSeconds(5);

    private static readonly TimeSpan RetryMin = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan RetryMax = TimeSpan.FromSeconds(2);

    private readonly RedisConnection _redis;
    private readonly SessionStoreOptions _options;
    private readonly TimeProvider _time;
    private readonly SessionMetrics _metrics;
    private readonly ILogger<RedisSessionStore> _logger;
    private readonly MemorySessionStore _local;
    private readonly CancellationTokenSource _stopping = new();

    public RedisSessionStore(RedisConnection redis, SessionStoreOptions options, TimeProvider time, SessionMetrics metrics, ILogger<RedisSessionStore> logger)
    {
        _redis = redis;
        _options = options;
        _time = time;
        _metrics = metrics;
        _logger = logger;
        _local = new MemorySessionStore(time, options);
    }

    private IDatabase Database => _redis.Database ?? throw new InvalidOperationException("REDIS_URL is not configured.");

    /// <summary>The database without the key prefix, for PUBLISH: channel names carry the prefix themselves.</summary>
    private IDatabase Publisher => _redis.Multiplexer!.GetDatabase();

    public Task<ISessionWriter> CreateAsync(string sessionId, byte[] resumeTokenHash, TimeSpan lifetime, TimeSpan grace, CancellationToken cancellationToken)
    {
        var log = _local.Create(sessionId, resumeTokenHash, lifetime, grace);
        var mirror = new Mirror(this, log, new Keys(sessionId, _redis.KeyPrefix), _time.GetUtcNow() + lifetime, grace);
        log.Finishing = mirror.FinishAsync;
        log.Heartbeat = mirror.HeartbeatAsync;
        if (!_redis.IsConnected)
        {
            LogDegraded(sessionId);
            _metrics.Degraded();
        }
        mirror.Start(_stopping.Token);
        return Task.FromResult<ISessionWriter>(log);
    }

    public async Task<SessionInfo?> GetAsync(string sessionId, CancellationToken cancellationToken)
    {
        if (_local.Find(sessionId) is { } log)
        {
            return log.Info();
        }
        RedisValue[] values;
        try
        {
            values = await Database.HashGetAsync(new Keys(sessionId, _redis.KeyPrefix).Meta, ["token", "finished", "last"]).ConfigureAwait(false);
        }
        catch (Exception ex) when (RedisFailures.IsFailure(ex, cancellationToken))
        {
            throw Unavailable(ex);
        }
        if (values[0].IsNull)
        {
            return null;
        }
        return new SessionInfo(sessionId, (byte[])values[0]!, (long)values[1] == 1, values[2].IsNull ? 0 : (long)values[2], IsAuthoritative: false);
    }

    public async IAsyncEnumerable<SessionEvent> ReadAsync(string sessionId, long afterId, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken)
    {
        if (_local.Find(sessionId) is { } log)
        {
            await foreach (var item in _local.Read(log, afterId, cancellationToken).ConfigureAwait(false))
            {
                yield return item;
            }
            yield break;
        }
        var source = await RedisSource.OpenAsync(this, new Keys(sessionId, _redis.KeyPrefix), sessionId).ConfigureAwait(false);
        await using (source.ConfigureAwait(false))
        {
            await foreach (var item in SessionReader.ReadAsync(source, afterId, _options, _time, cancellationToken).ConfigureAwait(false))
            {
                yield return item;
            }
        }
    }

    public async Task TouchPresenceAsync(string sessionId, TimeSpan grace, CancellationToken cancellationToken)
    {
        if (_local.Find(sessionId) is not null)
        {
            // The runner is on this replica and asks the local presence first: no round trip.
            await _local.TouchPresenceAsync(sessionId, grace, cancellationToken).ConfigureAwait(false);
            return;
        }
        try
        {
            await Database.StringSetAsync(new Keys(sessionId, _redis.KeyPrefix).Presence, 1, grace).ConfigureAwait(false);
        }
        catch (Exception ex) when (RedisFailures.IsFailure(ex, cancellationToken))
        {
            throw Unavailable(ex);
        }
    }

    public void Dispose()
    {
        _stopping.Cancel();
        _stopping.Dispose();
        _local.Dispose();
    }

    private static SessionStoreUnavailableException Unavailable(Exception ex) =>
        new($"The council's event log (Redis) is not reachable: {ex.Message}", ex);

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
        return type.IsNull || data.IsNull ? null : new SessionEvent(sequence, (string)type!, (string)data!);
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

    /// <summary>
    /// Writes one session's log behind to Redis: waits for the log to grow, then sends everything appended since the
    /// last flush as one pipeline (an <c>XADD</c> per event with its explicit id, one <c>PUBLISH</c> of the batch, the
    /// meta's <c>last</c>), and at the end the meta's <c>finished</c> and the retention TTLs. On a failure it retries
    /// with back-off; the first write after one re-creates the meta and leases and resumes after the stream's last
    /// entry (Redis may have restarted empty), so the mirror holds every event once and in order.
    /// </summary>
    private sealed class Mirror(RedisSessionStore store, SessionLog log, Keys keys, DateTimeOffset expiresAt, TimeSpan grace)
    {
        private readonly TaskCompletionSource _done = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private long _retentionTicks;
        private long _mirrored;
        private bool _synced;
        private bool _expirySet;
        private bool _failing;
        private bool _presenceSet;

        public void Start(CancellationToken stopping) => _ = Task.Run(() => RunAsync(stopping), CancellationToken.None);

        public async Task FinishAsync(TimeSpan retention, CancellationToken cancellationToken)
        {
            Volatile.Write(ref _retentionTicks, retention.Ticks);
            try
            {
                await _done.Task.WaitAsync(FinishWait, store._time, cancellationToken).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                store.LogFinishPending(log.SessionId, FinishWait.TotalSeconds);
            }
        }

        public async Task<bool> HeartbeatAsync(bool present, CancellationToken cancellationToken)
        {
            try
            {
                var database = store.Database;
                var renew = database.StringSetAsync(keys.Runner, 1, store._options.RunnerLease);
                var elsewhere = database.KeyExistsAsync(keys.Presence);
                await Task.WhenAll(renew, elsewhere).ConfigureAwait(false);
                return present || elsewhere.Result;
            }
            catch (Exception ex) when (RedisFailures.IsFailure(ex, cancellationToken) && present)
            {
                return true; // a reader here is enough; Redis says nothing about it
            }
            catch (Exception ex) when (RedisFailures.IsFailure(ex, cancellationToken))
            {
                throw Unavailable(ex);
            }
        }

        private async Task RunAsync(CancellationToken stopping)
        {
            // A command per event: never a span per delta (docs/observability.md#traces, "Redis commands").
            using var untraced = Telemetry.RedisTracing.Untraced();
            var batch = new List<SessionEvent>(64);
            var delay = RetryMin;
            while (!stopping.IsCancellationRequested)
            {
                var finished = log.Finished; // read first: when set, the copy below sees every event
                try
                {
                    if (!_synced)
                    {
                        await SyncAsync().ConfigureAwait(false);
                    }
                    batch.Clear();
                    log.CopyAfter(_mirrored, MaxBatch, batch);
                    if (batch.Count > 0)
                    {
                        await WriteAsync(batch).ConfigureAwait(false);
                    }
                    if (_failing)
                    {
                        _failing = false;
                        store.LogMirrorCaughtUp(log.SessionId, _mirrored);
                        store._metrics.MirrorRecovered();
                    }
                    delay = RetryMin;
                    if (finished && _mirrored == log.LastId)
                    {
                        await WriteFinishAsync().ConfigureAwait(false);
                        _done.TrySetResult();
                        // Resumes read the mirror from now on; readers still attached here keep their log.
                        log.ExpireBy(store._time.GetUtcNow());
                        return;
                    }
                }
                catch (Exception ex) when (RedisFailures.IsFailure(ex, stopping))
                {
                    _synced = false;
                    store._metrics.MirrorFailed();
                    if (!_failing)
                    {
                        _failing = true;
                        store.LogMirrorFailed(log.SessionId, _mirrored, ex.Message);
                    }
                    try
                    {
                        await Task.Delay(delay, store._time, stopping).ConfigureAwait(false);
                    }
                    catch (OperationCanceledException)
                    {
                        return;
                    }
                    delay = delay * 2 < RetryMax ? delay * 2 : RetryMax;
                    continue;
                }
                if (batch.Count >= MaxBatch || finished)
                {
                    continue;
                }
                try
                {
                    await log.WhenChangedAsync(_mirrored).WaitAsync(stopping).ConfigureAwait(false);
                }
                catch (TimeoutException)
                {
                    // Finished with nothing after the mirrored id: the loop writes the end.
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }

        /// <summary>(Re)creates the meta and leases and finds where the stream ends (after a restart Redis may be empty).</summary>
        private async Task SyncAsync()
        {
            var database = store.Database;
            var now = store._time.GetUtcNow();
            var lifetime = expiresAt - now > TimeSpan.FromSeconds(1) ? expiresAt - now : TimeSpan.FromSeconds(1);
            var writes = new List<Task>
            {
                database.HashSetAsync(keys.Meta, [new("token", log.TokenHash), new("finished", 0)]),
                database.KeyExpireAsync(keys.Meta, lifetime),
                database.StringSetAsync(keys.Runner, 1, store._options.RunnerLease),
            };
            if (!_presenceSet)
            {
                writes.Add(database.StringSetAsync(keys.Presence, 1, grace));
            }
            var top = database.StreamRangeAsync(keys.Events, "-", "+", 1, Order.Descending);
            await Task.WhenAll(writes.Append(top)).ConfigureAwait(false);
            _presenceSet = true;
            _mirrored = top.Result is [var entry] && Parse(entry) is { } item ? item.Id : 0;
            await database.HashSetAsync(keys.Meta, "last", _mirrored).ConfigureAwait(false);
            _expirySet = false;
            _synced = true;
        }

        private async Task WriteAsync(List<SessionEvent> batch)
        {
            var database = store.Database;
            var writes = new Task[batch.Count + (_expirySet ? 1 : 2)];
            for (var i = 0; i < batch.Count; i++)
            {
                var item = batch[i];
                writes[i] = database.StreamAddAsync(
                    keys.Events,
                    [new NameValueEntry(TypeField, item.Type), new NameValueEntry(DataField, item.Data)],
                    messageId: $"{item.Id}-0");
            }
            var last = batch[^1].Id;
            // After the XADDs on the same connection, so a subscriber that sees the message finds them in the stream.
            _ = store.Publisher.PublishAsync(keys.Live, LiveMessage.Format(batch), CommandFlags.FireAndForget);
            writes[batch.Count] = database.HashSetAsync(keys.Meta, "last", last);
            if (!_expirySet)
            {
                var now = store._time.GetUtcNow();
                writes[^1] = database.KeyExpireAsync(keys.Events, expiresAt - now > TimeSpan.FromSeconds(1) ? expiresAt - now : TimeSpan.FromSeconds(1));
            }
            await Task.WhenAll(writes).ConfigureAwait(false);
            _expirySet = true;
            _mirrored = last;
        }

        private async Task WriteFinishAsync()
        {
            var database = store.Database;
            var retention = TimeSpan.FromTicks(Volatile.Read(ref _retentionTicks));
            if (retention <= TimeSpan.Zero)
            {
                retention = TimeSpan.FromMinutes(10);
            }
            await Task.WhenAll(
                database.HashSetAsync(keys.Meta, [new("finished", 1), new("last", _mirrored)]),
                database.KeyExpireAsync(keys.Meta, retention),
                database.KeyExpireAsync(keys.Events, retention),
                database.KeyDeleteAsync(keys.Runner),
                // A client may still be reading; presence no longer matters once the council is over.
                database.KeyExpireAsync(keys.Presence, grace < retention ? grace : retention)).ConfigureAwait(false);
        }
    }

    /// <summary>A reader's view of the mirror, on a replica that does not run the council: XRANGE pages, the live channel, the leases.</summary>
    private sealed class RedisSource : ISessionSource, IAsyncDisposable
    {
        private readonly RedisSessionStore _store;
        private readonly Keys _keys;
        private readonly string _sessionId;
        private readonly Channel<SessionEvent> _live;
        private ChannelMessageQueue? _queue;
        private int _overflowed;

        private RedisSource(RedisSessionStore store, Keys keys, string sessionId)
        {
            _store = store;
            _keys = keys;
            _sessionId = sessionId;
            _live = Channel.CreateBounded<SessionEvent>(new BoundedChannelOptions(store._options.LiveBuffer)
            {
                SingleReader = true,
                SingleWriter = true,
                FullMode = BoundedChannelFullMode.Wait,
            });
        }

        public bool NeedsChecks => true;

        public string RunnerLostMessage =>
            $"The orchestrator replica running this council stopped before it finished (its runner lease of {_store._options.RunnerLease.TotalSeconds:0.###} s lapsed). Ask the council again.";

        /// <summary>Subscribes before anything is read, so no live event falls between the replay and the channel.</summary>
        public static async Task<RedisSource> OpenAsync(RedisSessionStore store, Keys keys, string sessionId)
        {
            var source = new RedisSource(store, keys, sessionId);
            try
            {
                source._queue = await store._redis.Multiplexer!.GetSubscriber().SubscribeAsync(keys.Live).ConfigureAwait(false);
            }
            catch (Exception ex) when (RedisFailures.IsFailure(ex))
            {
                throw Unavailable(ex);
            }
            source._queue.OnMessage(message => source.Offer(message.Message));
            return source;
        }

        public async ValueTask<LogPage> ReadLogAsync(long afterId, CancellationToken cancellationToken)
        {
            StreamEntry[] page;
            try
            {
                page = await _store.Database.StreamRangeAsync(_keys.Events, $"{afterId + 1}-0", "+", _store._options.PageSize).ConfigureAwait(false);
            }
            catch (Exception ex) when (RedisFailures.IsFailure(ex, cancellationToken))
            {
                throw Unavailable(ex);
            }
            var events = new List<SessionEvent>(page.Length);
            foreach (var entry in page)
            {
                if (Parse(entry) is { } item)
                {
                    events.Add(item);
                }
            }
            return new LogPage(events, More: page.Length >= _store._options.PageSize);
        }

        public bool TryReadLive(long afterId, out SessionEvent item) => _live.Reader.TryRead(out item);

        public bool TakeOverflow() => Interlocked.Exchange(ref _overflowed, 0) == 1;

        public Task WaitAsync(long afterId, CancellationToken cancellationToken) => _live.Reader.WaitToReadAsync(cancellationToken).AsTask();

        public async ValueTask<SessionState> GetStateAsync(CancellationToken cancellationToken)
        {
            try
            {
                var database = _store.Database;
                var finished = database.HashGetAsync(_keys.Meta, "finished");
                var runner = database.KeyExistsAsync(_keys.Runner);
                await Task.WhenAll(finished, runner).ConfigureAwait(false);
                var state = finished.Result.IsNull ? SessionState.Gone
                    : (long)finished.Result == 1 ? SessionState.Finished
                    : runner.Result ? SessionState.Running
                    : SessionState.RunnerLost;
                if (state == SessionState.RunnerLost)
                {
                    _store.LogRunnerLost(_sessionId);
                }
                return state;
            }
            catch (Exception ex) when (RedisFailures.IsFailure(ex, cancellationToken))
            {
                throw Unavailable(ex);
            }
        }

        public async ValueTask DisposeAsync()
        {
            if (_queue is not null)
            {
                try
                {
                    await _queue.UnsubscribeAsync().ConfigureAwait(false);
                }
                catch (Exception ex) when (RedisFailures.IsFailure(ex))
                {
                    // The subscription dies with the connection anyway.
                }
            }
        }

        private void Offer(RedisValue message)
        {
            foreach (var item in LiveMessage.Parse(message))
            {
                if (!_live.Writer.TryWrite(item))
                {
                    Volatile.Write(ref _overflowed, 1);
                }
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Session {SessionId}: the replica running it stopped before it finished; readers get an error")]
    private partial void LogRunnerLost(string sessionId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Session {SessionId} starts while Redis is unreachable: it runs degraded, resumable on this replica only until its mirror catches up")]
    private partial void LogDegraded(string sessionId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Session {SessionId}: the Redis mirror stopped after event {LastEventId} ({Reason}); the council goes on for its readers here and the mirror retries")]
    private partial void LogMirrorFailed(string sessionId, long lastEventId, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Session {SessionId}: the Redis mirror caught up (event {LastEventId})")]
    private partial void LogMirrorCaughtUp(string sessionId, long lastEventId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Session {SessionId}: its Redis mirror did not hold the end within {Seconds} s; it goes on trying in the background")]
    private partial void LogFinishPending(string sessionId, double seconds);
}

/// <summary>
/// The pub/sub form of a batch of session events: for each, <c>id\nname\nlength\ndata</c> (length in UTF-16 units;
/// ids and names never contain a line feed), concatenated.
/// </summary>
internal static class LiveMessage
{
    public static string Format(IReadOnlyList<SessionEvent> batch)
    {
        var text = new StringBuilder();
        foreach (var item in batch)
        {
            text.Append(CultureInfo.InvariantCulture, $"{item.Id}\n{item.Type}\n{item.Data.Length}\n").Append(item.Data);
        }
        return text.ToString();
    }

    public static List<SessionEvent> Parse(RedisValue message)
    {
        var events = new List<SessionEvent>();
        string? text = message;
        var at = 0;
        while (text is not null && at < text.Length)
        {
            var first = text.IndexOf('\n', at);
            var second = first < 0 ? -1 : text.IndexOf('\n', first + 1);
            var third = second < 0 ? -1 : text.IndexOf('\n', second + 1);
            if (third < 0
                || !long.TryParse(text.AsSpan(at, first - at), NumberStyles.None, CultureInfo.InvariantCulture, out var id)
                || !int.TryParse(text.AsSpan(second + 1, third - second - 1), NumberStyles.None, CultureInfo.InvariantCulture, out var length)
                || third + 1 + length > text.Length)
            {
                break; // not ours: the reader falls back on the log when it notices a gap
            }
            events.Add(new SessionEvent(id, Name(text.AsSpan(first + 1, second - first - 1)), text.Substring(third + 1, length)));
            at = third + 1 + length;
        }
        return events;
    }

    /// <summary>The council's event names without allocating a string per event.</summary>
    public static string Name(ReadOnlySpan<char> name) => name switch
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
