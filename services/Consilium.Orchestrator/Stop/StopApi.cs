using Consilium.Orchestrator.Council;
using Consilium.Orchestrator.Http;
using Consilium.Orchestrator.Security;
using Consilium.Orchestrator.Sessions;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

namespace Consilium.Orchestrator.Stop;

/// <summary><c>DELETE /api/consilium/sessions/{sessionId}</c>: stop a running council (docs/api.md).</summary>
public static class StopApi
{
    /// <summary>How long the request waits for a council on this replica to write its terminal event.</summary>
    public static readonly TimeSpan TerminalWait = TimeSpan.FromSeconds(2);

    public static RouteGroupBuilder MapStopApi(this RouteGroupBuilder api)
    {
        api.MapDelete("/consilium/sessions/{sessionId}", StopCouncilAsync)
            .RequirePublicAuth(allowResumeToken: true)
            .WithName("StopCouncil")
            .WithSummary("Stop a running council")
            .WithDescription("Cancels every call of the council at once; its stream, and every resumed reader, ends with `error` `{\"code\":\"cancelled\",\"message\",\"usage\",\"costUsd\"}`. Authenticated by the bearer or `?resume=<resumeToken>`.")
            .ProducesProblem(StatusCodes.Status404NotFound)
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);
        return api;
    }

    /// <summary>202 once stopped (or the stop is on its way to the replica running it); 204 when it had already ended.</summary>
    public static async Task<Results<Accepted, NoContent, ProblemHttpResult>> StopCouncilAsync(
        string sessionId,
        HttpContext context,
        ISessionStore store,
        CouncilStops stops,
        IOptions<CouncilOptions> options)
    {
        // The store wraps a Redis failure in SessionStoreUnavailableException, which SessionStoreUnavailableHandler
        // answers with 503 problem+json and Retry-After.
        var session = SessionCredentials.IsWellFormed(sessionId) ? await store.GetAsync(sessionId, context.RequestAborted) : null;
        if (session is null)
        {
            return Problems.NotFound(
                "Unknown session",
                $"There is no council session '{sessionId}': it never existed or ended more than {options.Value.Retention.TotalMinutes:0.#} minutes ago.");
        }
        if (session.Finished)
        {
            return TypedResults.NoContent();
        }
        await stops.StopAsync(sessionId, TerminalWait, context.RequestAborted);
        return TypedResults.Accepted($"{PublicApiExtensions.Prefix}/consilium/sessions/{sessionId}/events");
    }
}
