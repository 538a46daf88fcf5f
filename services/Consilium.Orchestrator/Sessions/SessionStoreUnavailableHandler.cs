using Microsoft.AspNetCore.Diagnostics;

namespace Consilium.Orchestrator.Sessions;

/// <summary>
/// Turns <see cref="SessionStoreUnavailableException"/> thrown anywhere in a request (e.g. the resume-token check of the
/// security layer asking Redis for a session this replica does not hold) into 503 problem+json with <c>Retry-After</c>.
/// </summary>
public sealed class SessionStoreUnavailableHandler(IProblemDetailsService problems) : IExceptionHandler
{
    public const int RetryAfterSeconds = 2;

    public async ValueTask<bool> TryHandleAsync(HttpContext context, Exception exception, CancellationToken cancellationToken)
    {
        if (exception is not SessionStoreUnavailableException)
        {
            return false;
        }
        context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
        context.Response.Headers.RetryAfter = RetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        return await problems.TryWriteAsync(new ProblemDetailsContext
        {
            HttpContext = context,
            Exception = exception,
            ProblemDetails =
            {
                Status = StatusCodes.Status503ServiceUnavailable,
                Title = "Event log unavailable",
                Detail = $"The council's event log (Redis) is not reachable right now and this session is not on this replica. Try again in {RetryAfterSeconds} seconds.",
            },
        });
    }
}
