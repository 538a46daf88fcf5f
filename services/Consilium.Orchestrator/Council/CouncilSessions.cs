using System.Collections.Concurrent;
using Consilium.Orchestrator.Conversations;
using Consilium.Orchestrator.Sessions;
using Microsoft.Extensions.Options;

namespace Consilium.Orchestrator.Council;

/// <summary>
/// Starts councils as background runs of this replica and stops them on shutdown: each running council is cancelled,
/// writes its terminal <c>error</c> to the log, and is waited for (up to the host's shutdown timeout).
/// </summary>
public sealed partial class CouncilSessions(
    ISessionStore store,
    CouncilRunner runner,
    IOptions<CouncilOptions> options,
    IHostApplicationLifetime lifetime,
    ILogger<CouncilSessions> logger) : IHostedService, IDisposable
{
    private readonly ConcurrentDictionary<string, Task> _running = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _stopping = new();

    /// <summary>Councils running on this replica.</summary>
    public int Running => _running.Count;

    /// <summary>Creates the session's log with its <c>session</c> event and starts the council; returns once the log exists.</summary>
    public Task<CouncilSession> StartAsync(CouncilRequest request, CancellationToken cancellationToken) =>
        StartAsync(request, null, cancellationToken);

    /// <summary>As <see cref="StartAsync(CouncilRequest, CancellationToken)"/>, as a round of a conversation when <paramref name="round"/> is given.</summary>
    public async Task<CouncilSession> StartAsync(CouncilRequest request, RoundPlan? round, CancellationToken cancellationToken)
    {
        _stopping.Token.ThrowIfCancellationRequested();
        var session = new CouncilSession(
            SessionCredentials.NewSessionId(),
            SessionCredentials.NewResumeToken(),
            round?.CouncilQuestion ?? request.Message!,
            round?.Seats ?? request.Seats(),
            request.Synthesis ?? true,
            round);
        var value = options.Value;
        // Kept at most this long even if this replica dies mid-council; finishing shortens it to the retention.
        var lifetime = value.Timeout + value.Retention;
        var writer = await store.CreateAsync(
            session.SessionId, SessionCredentials.Hash(session.ResumeToken), lifetime, value.ResumeGrace, cancellationToken).ConfigureAwait(false);
        // Event 1, as every resume replays it: without the resume token, which no store may hold.
        writer.Append(CouncilEventNames.Session, SessionData.For(session, withToken: false).ToJson());

        var run = Task.Run(() => runner.RunAsync(session, writer, _stopping.Token), CancellationToken.None);
        _running[session.SessionId] = run;
        _ = run.ContinueWith(
            (_, state) => _running.TryRemove((string)state!, out Task? _),
            session.SessionId,
            CancellationToken.None,
            TaskContinuationOptions.ExecuteSynchronously,
            TaskScheduler.Default);
        return session;
    }

    // Cancelled the moment shutdown begins (before any service stops), so a council says it ends because this replica
    // stops rather than with whatever the stopping agents' streams say.
    public Task StartAsync(CancellationToken cancellationToken)
    {
        lifetime.ApplicationStopping.Register(() => _ = StopAsync(CancellationToken.None));
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_running.IsEmpty)
        {
            return;
        }
        LogStopping(_running.Count);
        await _stopping.CancelAsync().ConfigureAwait(false);
        try
        {
            await Task.WhenAll(_running.Values).WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // The host's shutdown timeout passed first.
        }
    }

    public void Dispose() => _stopping.Dispose();

    [LoggerMessage(Level = LogLevel.Information, Message = "Shutting down: cancelling {Count} running councils")]
    private partial void LogStopping(int count);
}
