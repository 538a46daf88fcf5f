using Microsoft.AspNetCore.Http.HttpResults;

namespace Consilium.Orchestrator.Http;

/// <summary>The <c>application/problem+json</c> answers (RFC 9457) of the public API, each with a detail a person can act on.</summary>
public static class Problems
{
    public static ProblemHttpResult BadRequest(string detail) =>
        TypedResults.Problem(detail, statusCode: StatusCodes.Status400BadRequest, title: "Invalid request body");

    public static ProblemHttpResult NotFound(string title, string detail) =>
        TypedResults.Problem(detail, statusCode: StatusCodes.Status404NotFound, title: title);

    public static ProblemHttpResult TooLarge(long limit) =>
        TypedResults.Problem(
            $"The request body is larger than {limit / 1024} KiB. Send a shorter body.",
            statusCode: StatusCodes.Status413PayloadTooLarge,
            title: "Request body too large");

    public static ProblemHttpResult UnsupportedMediaType(string? contentType) =>
        TypedResults.Problem(
            $"The body must be JSON sent with 'Content-Type: application/json' (UTF-8); got {(string.IsNullOrEmpty(contentType) ? "no content type" : $"'{contentType}'")}.",
            statusCode: StatusCodes.Status415UnsupportedMediaType,
            title: "Unsupported media type");
}
