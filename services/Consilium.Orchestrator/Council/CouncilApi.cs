using System.Globalization;
using System.Net.ServerSentEvents;
using Consilium.Contracts;
using Consilium.Orchestrator.Conversations;
using Consilium.Orchestrator.Council.Idempotency;
using Consilium.Orchestrator.Http;
using Consilium.Orchestrator.Security;
using Consilium.Orchestrator.Sessions;
using Consilium.Orchestrator.Telemetry;
using Consilium.Streaming;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace Consilium.Orchestrator.Council;

/// <summary><c>POST /api/consilium</c> and <c>GET /api/consilium/sessions/{sessionId}/events</c> (docs/api.md#public-api).</summary>
public static class CouncilApi
{
    public const string SessionHeader = "Consilium-Session";
    public const string LastEventIdHeader = "Last-Event-ID";

    public static RouteGroupBuilder MapCouncilApi(this RouteGroupBuilder api)
    {
        api.MapPost("/consilium", AskCouncilAsync)
            .RequireCouncilStreamSlot();
        api.MapGet("/consilium/sessions/{sessionId}/events", ResumeAsync)
            .RequirePublicAuth(allowResumeToken: true)
            .RequireCouncilStreamSlot();
        api.MapConversationApi();
        return api;
    }

    /// <summary>Starts a council in the background and streams its log from the first event.</summary>
    public static async Task<Results<ServerSentEventsResult<string>, ProblemHttpResult>> AskCouncilAsync(
        HttpContext context,
        CouncilSessions sessions,
        ConversationService conversations,
        ISessionStore store,
        IOptions<CouncilOptions> options,
        SseStreamOptions streamOptions,
        CouncilIdempotency idempotency,
        CouncilTelemetry telemetry,
        ILogger<CouncilSessions> logger)
    {
        var body = await JsonBody.ReadAsync<CouncilRequest>(context.Request, context.RequestAborted);
        if (!body.TryGetValue(out var request, out var problem))
        {
            return problem;
        }
        var retry = await idempotency.CheckAsync(context, request, context.RequestAborted);
        if (retry.Problem is { } refused)
        {
            return refused;
        }
        if (retry.SessionId is { } attached)
        {
            context.Response.Headers[SessionHeader] = attached;
            return EventStreamRelay.Relay(
                context,
                cancellationToken => CouncilStream.ReadAsync(store, attached, 0, options.Value, logger, cancellationToken),
                streamOptions,
                logger);
        }
        RoundPlan? round;
        Task stored;
        try
        {
            (round, problem, stored) = await conversations.BeginAsync(request, context.RequestAborted);
        }
        catch (SessionStoreUnavailableException)
        {
            return Unavailable(context, $"The conversation store (Redis) is not reachable right now. Try again in {RetryAfterSeconds} seconds.", "Conversation store unavailable");
        }
        if (problem is not null)
        {
            return problem;
        }
        CouncilSession session;
        try
        {
            session = await sessions.StartAsync(request, round, context.RequestAborted);
        }
        catch (Exception ex) when (round is not null)
        {
            await stored;
            await conversations.AbandonAsync(round);
            if (ex is OperationCanceledException && !context.RequestAborted.IsCancellationRequested)
            {
                return Unavailable(context, "This orchestrator replica is shutting down. Ask again; another replica will take the question.", "Shutting down");
            }
            throw;
        }
        // A new conversation is written while its agents are already being asked (one Redis round trip less before
        // the first tokens), and exists before this response names it.
        await Task.WhenAll(stored, idempotency.RememberAsync(retry, session.SessionId));
        context.Response.Headers[SessionHeader] = session.SessionId;
        // The live client alone gets the resume token: event 1 is written here, the log's copy lacks the token.
        var first = new SseItem<string>(SessionData.For(session, withToken: true).ToJson(), CouncilEventNames.Session) { EventId = "1" };
        telemetry.Metrics.StreamOpened(context);
        return EventStreamRelay.Relay(
            context,
            cancellationToken => CouncilStream.ReadAsync(store, session.SessionId, 1, options.Value, logger, cancellationToken, first),
            streamOptions,
            logger);
    }

    /// <summary>Replays the events after <c>Last-Event-ID</c> (header, else <c>?lastEventId=</c>), then follows the council live.</summary>
    public static async Task<Results<ServerSentEventsResult<string>, NoContent, ProblemHttpResult>> ResumeAsync(
        string sessionId,
        HttpContext context,
        ISessionStore store,
        IOptions<CouncilOptions> options,
        SseStreamOptions streamOptions,
        CouncilTelemetry telemetry,
        ILogger<CouncilSessions> logger)
    {
        SessionInfo? session;
        try
        {
            session = SessionCredentials.IsWellFormed(sessionId) ? await store.GetAsync(sessionId, context.RequestAborted) : null;
        }
        catch (SessionStoreUnavailableException)
        {
            return EventLogUnavailable(context);
        }
        if (session is null)
        {
            telemetry.Resumed(sessionId, null, "not_found");
            return Problems.NotFound(
                "Unknown session",
                $"There is no council session '{sessionId}': it never existed or ended more than {options.Value.Retention.TotalMinutes:0.#} minutes ago. Ask the council again with POST /api/consilium.");
        }

        var raw = context.Request.Headers[LastEventIdHeader].ToString();
        if (raw.Length == 0)
        {
            raw = context.Request.Query["lastEventId"].ToString();
        }
        long afterId = 0;
        if (raw.Length > 0 && (!long.TryParse(raw.Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out afterId)))
        {
            telemetry.Resumed(sessionId, null, "invalid");
            return TypedResults.Problem(
                $"Last-Event-ID must be the decimal id of the last event you received (a whole number from 0), not '{raw}'.",
                statusCode: StatusCodes.Status400BadRequest,
                title: "Invalid Last-Event-ID");
        }
        if (session.Finished && afterId >= session.LastEventId)
        {
            telemetry.Resumed(sessionId, raw, "no_content");
            return TypedResults.NoContent();
        }
        if (!session.Finished && afterId > session.LastEventId)
        {
            // Past the end of a running council: refused at once (docs/streaming.md "Resume past the end"). The Redis
            // mirror may be a batch behind the live log, so on another replica it gets a moment to catch up first.
            try
            {
                session = await WaitForMirrorAsync(store, session, afterId, context.RequestAborted);
            }
            catch (SessionStoreUnavailableException)
            {
                return EventLogUnavailable(context);
            }
            if (session is null)
            {
                return Problems.NotFound("Unknown session", $"The council session '{sessionId}' expired.");
            }
            if (afterId > session.LastEventId)
            {
                return TypedResults.Problem(
                    $"Last-Event-ID {afterId} is past the end of this session: its last event so far is {session.LastEventId}. Resume with Last-Event-ID {session.LastEventId} or lower.",
                    statusCode: StatusCodes.Status400BadRequest,
                    title: "Last-Event-ID past the end");
            }
            if (session.Finished && afterId >= session.LastEventId)
            {
                return TypedResults.NoContent();
            }
        }

        context.Response.Headers[SessionHeader] = session.SessionId;
        telemetry.Resumed(sessionId, raw, "streamed");
        telemetry.Metrics.StreamOpened(context);
        return EventStreamRelay.Relay(
            context,
            cancellationToken => CouncilStream.ReadAsync(store, session.SessionId, afterId, options.Value, logger, cancellationToken),
            streamOptions,
            logger);
    }

    /// <summary>How long a resume past the mirror's end waits for the mirror to reach the id.</summary>
    public static readonly TimeSpan MirrorCatchUp = TimeSpan.FromSeconds(1);

    private static async Task<SessionInfo?> WaitForMirrorAsync(ISessionStore store, SessionInfo session, long afterId, CancellationToken cancellationToken)
    {
        var started = TimeProvider.System.GetTimestamp();
        var current = session;
        while (current is { IsAuthoritative: false, Finished: false } && afterId > current.LastEventId
            && TimeProvider.System.GetElapsedTime(started) < MirrorCatchUp)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(20), cancellationToken);
            current = await store.GetAsync(session.SessionId, cancellationToken);
        }
        return current;
    }

    /// <summary>Seconds a client is asked to wait before trying again after a 503.</summary>
    public const int RetryAfterSeconds = SessionStoreUnavailableHandler.RetryAfterSeconds;

    private static ProblemHttpResult EventLogUnavailable(HttpContext context) =>
        Unavailable(context, $"The council's event log (Redis) is not reachable right now and this session is not on this replica. Try again in {RetryAfterSeconds} seconds.", "Event log unavailable");

    /// <summary>Every 503 of the council API carries <c>Retry-After</c>.</summary>
    private static ProblemHttpResult Unavailable(HttpContext context, string detail, string title)
    {
        context.Response.Headers.RetryAfter = RetryAfterSeconds.ToString(CultureInfo.InvariantCulture);
        return TypedResults.Problem(detail, statusCode: StatusCodes.Status503ServiceUnavailable, title: title);
    }
}
