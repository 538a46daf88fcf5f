using System.Globalization;
using Consilium.Orchestrator.Http;
using Consilium.Orchestrator.Security;
using Consilium.Orchestrator.Sessions;
using Consilium.Streaming;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Consilium.Orchestrator.Council;

/// <summary><c>POST /api/consilium</c> and <c>GET /api/consilium/sessions/{sessionId}/events</c> (CONTRACT §3).</summary>
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
        return api;
    }

    /// <summary>Starts a council in the background and streams its log from the first event.</summary>
    public static async Task<Results<ServerSentEventsResult<string>, ProblemHttpResult>> AskCouncilAsync(
        HttpContext context,
        CouncilSessions sessions,
        ISessionStore store,
        IOptions<CouncilOptions> options,
        SseStreamOptions streamOptions,
        ILogger<CouncilSessions> logger)
    {
        var body = await JsonBody.ReadAsync<CouncilRequest>(context.Request, context.RequestAborted);
        if (!body.TryGetValue(out var request, out var problem))
        {
            return problem;
        }
        CouncilSession session;
        try
        {
            session = await sessions.StartAsync(request, context.RequestAborted);
        }
        catch (Exception ex) when (ex is RedisException or RedisTimeoutException)
        {
            return EventLogUnavailable();
        }
        catch (OperationCanceledException) when (!context.RequestAborted.IsCancellationRequested)
        {
            return TypedResults.Problem(
                "This orchestrator replica is shutting down. Ask again; another replica will take the question.",
                statusCode: StatusCodes.Status503ServiceUnavailable,
                title: "Shutting down");
        }
        context.Response.Headers[SessionHeader] = session.SessionId;
        return EventStreamRelay.Relay(
            context,
            cancellationToken => CouncilStream.ReadAsync(store, session.SessionId, 0, options.Value, logger, cancellationToken),
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
        ILogger<CouncilSessions> logger)
    {
        SessionInfo? session;
        try
        {
            session = SessionCredentials.IsWellFormed(sessionId) ? await store.GetAsync(sessionId, context.RequestAborted) : null;
        }
        catch (Exception ex) when (ex is RedisException or RedisTimeoutException)
        {
            return EventLogUnavailable();
        }
        if (session is null)
        {
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
            return TypedResults.Problem(
                $"Last-Event-ID must be the decimal id of the last event you received (a whole number from 0), not '{raw}'.",
                statusCode: StatusCodes.Status400BadRequest,
                title: "Invalid Last-Event-ID");
        }
        if (session.Finished && afterId >= session.LastEventId)
        {
            return TypedResults.NoContent();
        }

        context.Response.Headers[SessionHeader] = session.SessionId;
        return EventStreamRelay.Relay(
            context,
            cancellationToken => CouncilStream.ReadAsync(store, session.SessionId, afterId, options.Value, logger, cancellationToken),
            streamOptions,
            logger);
    }

    private static ProblemHttpResult EventLogUnavailable() =>
        TypedResults.Problem(
            "The council's event log (Redis) is not reachable right now. Try again in a few seconds.",
            statusCode: StatusCodes.Status503ServiceUnavailable,
            title: "Event log unavailable");
}
