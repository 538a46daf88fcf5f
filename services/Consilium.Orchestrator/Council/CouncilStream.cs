using System.Net.ServerSentEvents;
using System.Runtime.CompilerServices;
using Consilium.Orchestrator.Sessions;

namespace Consilium.Orchestrator.Council;

/// <summary>
/// What one client reads: the session's log from an id on, as SSE items with <c>id:</c> (after <c>first</c>, when
/// given: the live <c>session</c> event with the resume token, which the log does not hold). While the client is connected
/// it renews the session's presence every <see cref="CouncilOptions.PresenceInterval"/>; when it goes, it renews it once
/// more, so the council runs for exactly the resume grace after the last client left unless somebody resumes.
/// </summary>
public static partial class CouncilStream
{
    public static async IAsyncEnumerable<SseItem<string>> ReadAsync(
        ISessionStore store,
        string sessionId,
        long afterId,
        CouncilOptions options,
        ILogger logger,
        [EnumeratorCancellation] CancellationToken cancellationToken,
        SseItem<string>? first = null)
    {
        using var reading = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var presence = KeepPresentAsync(store, sessionId, options, logger, reading.Token);
        try
        {
            if (first is { } item0)
            {
                yield return item0;
            }
            await foreach (var item in store.ReadAsync(sessionId, afterId, cancellationToken).ConfigureAwait(false))
            {
                yield return item.ToSseItem();
            }
        }
        finally
        {
            await reading.CancelAsync().ConfigureAwait(false);
            await presence.ConfigureAwait(false);
            // The grace period starts now.
            await TouchAsync(store, sessionId, options, logger, CancellationToken.None).ConfigureAwait(false);
        }
    }

    private static async Task KeepPresentAsync(ISessionStore store, string sessionId, CouncilOptions options, ILogger logger, CancellationToken cancellationToken)
    {
        try
        {
            using var timer = new PeriodicTimer(options.PresenceInterval);
            do
            {
                await TouchAsync(store, sessionId, options, logger, cancellationToken).ConfigureAwait(false);
            }
            while (await timer.WaitForNextTickAsync(cancellationToken).ConfigureAwait(false));
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }

    private static async Task TouchAsync(ISessionStore store, string sessionId, CouncilOptions options, ILogger logger, CancellationToken cancellationToken)
    {
        try
        {
            await store.TouchPresenceAsync(sessionId, options.ResumeGrace, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            LogPresenceFailed(logger, sessionId, ex.Message);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Session {SessionId}: could not renew presence: {Reason}")]
    private static partial void LogPresenceFailed(ILogger logger, string sessionId, string reason);
}
