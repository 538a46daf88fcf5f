using StackExchange.Redis;

namespace Consilium.Orchestrator.Redis;

/// <summary>
/// What a failed Redis call throws, for every store to treat alike (Redis is unavailable: a 503 or the in-process
/// fallback, never a 500). Besides its own exceptions and timeouts, the client completes some commands still in flight
/// when the connection drops as cancelled — a <see cref="TaskCanceledException"/> that no caller asked for — or with
/// the <see cref="InvalidOperationException"/> of the socket's pipe that was completed under it ("Writing is not
/// allowed after writer was completed"), and a connection disposed at shutdown throws
/// <see cref="ObjectDisposedException"/>. All were seen with Redis killed under load
/// (tests/Consilium.Security.Tests/RateLimiting/RedisOutageTests.cs).
/// </summary>
public static class RedisFailures
{
    /// <param name="exception">What the call threw.</param>
    /// <param name="requested">The caller's own token: a cancellation it asked for is passed on, not a Redis failure.</param>
    public static bool IsFailure(Exception exception, CancellationToken requested = default) =>
        exception is RedisException or TimeoutException or ObjectDisposedException
        || (exception is OperationCanceledException && !requested.IsCancellationRequested)
        || (exception is InvalidOperationException && exception.Source is "System.IO.Pipelines" or "Pipelines.Sockets.Unofficial");
}
