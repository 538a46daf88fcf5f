using StackExchange.Redis;

namespace Consilium.Orchestrator.Redis;

/// <summary>
/// What a failed Redis call throws, for every store to treat alike (Redis is unavailable: a 503 or the in-process
/// fallback, never a 500). Besides its own exceptions and timeouts, the client completes some commands still in flight
/// when the connection drops as cancelled — a <see cref="TaskCanceledException"/> that no caller asked for — and a
/// connection disposed at shutdown throws <see cref="ObjectDisposedException"/>.
/// </summary>
public static class RedisFailures
{
    /// <param name="exception">What the call threw.</param>
    /// <param name="requested">The caller's own token: a cancellation it asked for is passed on, not a Redis failure.</param>
    public static bool IsFailure(Exception exception, CancellationToken requested = default) =>
        exception is RedisException or TimeoutException or ObjectDisposedException
        || (exception is OperationCanceledException && !requested.IsCancellationRequested);
}
