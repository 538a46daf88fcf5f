using System.Collections.Concurrent;
using Consilium.Orchestrator.Redis;
using Consilium.Orchestrator.Sessions;
using StackExchange.Redis;

namespace Consilium.Orchestrator.Stop;

/// <summary>
/// The councils running on this replica (session id → a stop handle) and how a stop reaches them from any replica
/// (docs/api.md, "Stop a council"). A stop for a council this replica runs cancels it here; any other is
/// published on the Redis channel <c>{REDIS_KEY_PREFIX}council-stop</c>, which every replica listens to, so the one
/// that runs it cancels it. Without <c>REDIS_URL</c> there is one replica and the registry alone decides.
/// A stop that arrives before its council registered (the run starts in the background just after the session's
/// log exists) is remembered for <see cref="EarlyStopMemory"/>, and the council is cancelled as it registers.
/// </summary>
public sealed partial class CouncilStops(RedisConnection redis, TimeProvider time, ILogger<CouncilStops> logger) : IHostedService
{
    public const string ChannelName = "council-stop";

    /// <summary>How long a stop for a council not (yet) running here is remembered.</summary>
    public static readonly TimeSpan EarlyStopMemory = TimeSpan.FromSeconds(30);

    private readonly ConcurrentDictionary<string, StopHandle> _running = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, long> _early = new(StringComparer.Ordinal);
    private ChannelMessageQueue? _subscription;

    private RedisChannel Channel => RedisChannel.Literal(redis.KeyPrefix + ChannelName);

    /// <summary>
    /// Registers a council that <paramref name="council"/> cancels; dispose the handle when the council has ended.
    /// <see cref="StopHandle.Requested"/> says afterwards whether a stop (rather than a timeout or shutdown) cancelled it.
    /// </summary>
    public StopHandle Register(string sessionId, CancellationTokenSource council)
    {
        var handle = new StopHandle(this, sessionId, council);
        _running[sessionId] = handle;
        if (_early.TryRemove(sessionId, out _))
        {
            handle.Stop();
        }
        return handle;
    }

    /// <summary>
    /// Stops the council of <paramref name="sessionId"/> wherever it runs. Returns once this replica cancelled it and
    /// its terminal event is written (at most <paramref name="wait"/>), or once the request is published to the others.
    /// </summary>
    public async Task StopAsync(string sessionId, TimeSpan wait, CancellationToken cancellationToken)
    {
        if (_running.TryGetValue(sessionId, out var local))
        {
            LogStopping(logger, sessionId, "this replica");
            local.Stop();
            try
            {
                await local.Ended.WaitAsync(wait, time, cancellationToken).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                // Cancelled already; the terminal event follows as soon as the last call has unwound.
            }
            return;
        }
        RememberEarly(sessionId);
        if (redis.Multiplexer is { } multiplexer)
        {
            LogStopping(logger, sessionId, "published to every replica");
            try
            {
                await multiplexer.GetSubscriber().PublishAsync(Channel, sessionId).ConfigureAwait(false);
            }
            catch (Exception ex) when (RedisFailures.IsFailure(ex, cancellationToken))
            {
                // The replica running it cannot be told: a 503 (SessionStoreUnavailableHandler), so the client asks again.
                throw new SessionStoreUnavailableException("The replica running this council cannot be reached through Redis right now.", ex);
            }
        }
    }

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (redis.Multiplexer is not { } multiplexer)
        {
            return;
        }
        try
        {
            _subscription = await multiplexer.GetSubscriber().SubscribeAsync(Channel).ConfigureAwait(false);
            _subscription.OnMessage(message => StopPublished(message.Message.ToString()));
        }
        catch (Exception ex) when (RedisFailures.IsFailure(ex, cancellationToken))
        {
            // The multiplexer re-subscribes by itself once Redis is back; until then stops reach local councils only.
            LogSubscribeFailed(logger, ex.Message);
        }
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_subscription is null)
        {
            return;
        }
        try
        {
            await _subscription.UnsubscribeAsync().ConfigureAwait(false);
        }
        catch (Exception ex) when (RedisFailures.IsFailure(ex, cancellationToken))
        {
            // Best effort: the subscription ends with the connection anyway. Redis may be down at shutdown, or the
            // connection already closed (a test host disposes its services while another stop is still running).
            LogUnsubscribeFailed(logger, ex.Message);
        }
    }

    private void StopPublished(string sessionId)
    {
        if (_running.TryGetValue(sessionId, out var handle))
        {
            LogStopping(logger, sessionId, "a request from another replica");
            handle.Stop();
        }
        else
        {
            RememberEarly(sessionId);
        }
    }

    private void RememberEarly(string sessionId)
    {
        var now = time.GetTimestamp();
        foreach (var (id, at) in _early)
        {
            if (time.GetElapsedTime(at, now) > EarlyStopMemory)
            {
                _early.TryRemove(id, out _);
            }
        }
        _early[sessionId] = now;
        // It may have registered between the look-up and now.
        if (_running.TryGetValue(sessionId, out var handle) && _early.TryRemove(sessionId, out _))
        {
            handle.Stop();
        }
    }

    private void Unregister(StopHandle handle) => _running.TryRemove(new KeyValuePair<string, StopHandle>(handle.SessionId, handle));

    /// <summary>One running council's entry in the registry.</summary>
    public sealed class StopHandle : IDisposable
    {
        private readonly CouncilStops _owner;
        private readonly CancellationTokenSource _council;
        private readonly TaskCompletionSource _ended = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private int _requested;

        internal StopHandle(CouncilStops owner, string sessionId, CancellationTokenSource council)
        {
            _owner = owner;
            _council = council;
            SessionId = sessionId;
        }

        public string SessionId { get; }

        /// <summary>Whether a stop request cancelled this council.</summary>
        public bool Requested => Volatile.Read(ref _requested) == 1;

        internal Task Ended => _ended.Task;

        internal void Stop()
        {
            if (Interlocked.Exchange(ref _requested, 1) == 0)
            {
                try
                {
                    _council.Cancel();
                }
                catch (ObjectDisposedException)
                {
                    // The council ended meanwhile.
                }
            }
        }

        public void Dispose()
        {
            _owner.Unregister(this);
            _ended.TrySetResult();
        }
    }

    [LoggerMessage(EventId = 5101, Level = LogLevel.Information, Message = "Council {SessionId}: stop requested ({Where})")]
    private static partial void LogStopping(ILogger logger, string sessionId, string where);

    [LoggerMessage(EventId = 5102, Level = LogLevel.Warning, Message = "Could not subscribe to council stop requests: {Reason}; stops reach this replica's councils only until Redis is back")]
    private static partial void LogSubscribeFailed(ILogger logger, string reason);

    [LoggerMessage(EventId = 5103, Level = LogLevel.Debug, Message = "Could not unsubscribe from council stop requests at shutdown: {Reason}")]
    private static partial void LogUnsubscribeFailed(ILogger logger, string reason);
}
