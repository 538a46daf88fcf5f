using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Consilium.Contracts;

/// <summary>The <c>application/problem+json</c> answers (RFC 9457) to a request body, each with a detail a person can act on.</summary>
public static class BodyProblems
{
    public static ProblemHttpResult BadRequest(string detail) =>
        TypedResults.Problem(detail, statusCode: StatusCodes.Status400BadRequest, title: "Invalid request body");

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
