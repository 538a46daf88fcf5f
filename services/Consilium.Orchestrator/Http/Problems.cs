using Microsoft.AspNetCore.Http.HttpResults;

namespace Consilium.Orchestrator.Http;

/// <summary>
/// The <c>application/problem+json</c> answers (RFC 9457) of the public API, each with a detail a person can act on;
/// those about a request body are <see cref="Consilium.Contracts.BodyProblems"/>.
/// </summary>
public static class Problems
{
    public static ProblemHttpResult NotFound(string title, string detail) =>
        TypedResults.Problem(detail, statusCode: StatusCodes.Status404NotFound, title: title);
}
