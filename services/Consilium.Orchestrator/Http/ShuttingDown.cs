using System.Net.ServerSentEvents;
using System.Runtime.CompilerServices;
using Consilium.Streaming;

namespace Consilium.Orchestrator.Http;

/// <summary>
/// How a stream that this replica cannot finish ends when it shuts down (SIGTERM; docs/reliability.md, "Shutdown"):
/// with <c>error</c> <c>{"code": "unavailable"}</c> saying so. Councils are cancelled by
/// <see cref="Council.CouncilSessions"/> and write this into their log; an agent passthrough ends here the moment
/// <see cref="IHostApplicationLifetime.ApplicationStopping"/> fires, well before the host's shutdown timeout would
/// cut the connection without a terminal event.
/// </summary>
public static class ShuttingDown
{
    public const string Code = ErrorCodes.Unavailable;

    public const string Message = "The orchestrator is shutting down; resume this session on another replica or ask again.";

    /// <summary>The events of <paramref name="events"/> until they end, or until <paramref name="stopping"/>: then this replica's terminal error.</summary>
    public static IAsyncEnumerable<SseItem<string>> EndOnShutdown(
        this IAsyncEnumerable<SseItem<string>> events,
        CancellationToken stopping,
        CancellationToken cancellationToken = default) =>
        events.EndOnShutdown(static () => StreamEvents.Error(Code, Message), stopping, cancellationToken);

    /// <summary>The same for events of any data type; <paramref name="terminal"/> makes the terminal error.</summary>
    public static async IAsyncEnumerable<SseItem<T>> EndOnShutdown<T>(
        this IAsyncEnumerable<SseItem<T>> events,
        Func<SseItem<T>> terminal,
        CancellationToken stopping,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        using var reading = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, stopping);
        await using var enumerator = events.GetAsyncEnumerator(reading.Token);
        var shutDown = false;
        while (true)
        {
            try
            {
                if (!await enumerator.MoveNextAsync().ConfigureAwait(false))
                {
                    break;
                }
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
            {
                shutDown = true;
                break;
            }
            yield return enumerator.Current;
        }
        if (shutDown)
        {
            yield return terminal();
        }
    }
}
