using Consilium.ModelSimulator.Faults;
using Consilium.ModelSimulator.Messages;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Consilium.ModelSimulator.Api;

/// <summary>
/// Anthropic's error responses: <c>{"type":"error","error":{"type","message"},"request_id"}</c> with the real API's
/// status for each type. (The simulator speaks Anthropic's format here, not problem+json: it stands in for that API.)
/// </summary>
public static class AnthropicErrors
{
    public const int OverloadedStatus = 529;

    public static JsonHttpResult<ErrorBody> InvalidRequest(HttpContext http, string message) =>
        Create(http, StatusCodes.Status400BadRequest, "invalid_request_error", message);

    public static JsonHttpResult<ErrorBody> Authentication(HttpContext http) =>
        Create(http, StatusCodes.Status401Unauthorized, "authentication_error", "invalid x-api-key");

    public static JsonHttpResult<ErrorBody> NotFound(HttpContext http, string model) =>
        Create(http, StatusCodes.Status404NotFound, "not_found_error", $"model: {model}");

    /// <summary>The HTTP error of an injected <c>fault=429|500|529</c> (and of <c>error</c> on a non-streaming request).</summary>
    public static JsonHttpResult<ErrorBody> Injected(HttpContext http, FaultKind fault, int retryAfterSeconds)
    {
        if (fault is FaultKind.RateLimited or FaultKind.Overloaded or FaultKind.StreamError)
        {
            http.Response.Headers.RetryAfter = retryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }
        return fault switch
        {
            FaultKind.RateLimited => Create(http, StatusCodes.Status429TooManyRequests, "rate_limit_error",
                "Number of request tokens has exceeded your per-minute rate limit (simulated)."),
            FaultKind.ServerError => Create(http, StatusCodes.Status500InternalServerError, "api_error", "Internal server error"),
            _ => Create(http, OverloadedStatus, "overloaded_error", "Overloaded"),
        };
    }

    private static JsonHttpResult<ErrorBody> Create(HttpContext http, int status, string type, string message) =>
        TypedResults.Json(
            new ErrorBody(new ErrorDetail(type, message), RequestIds.Get(http)),
            WireJson.Of<ErrorBody>(),
            contentType: "application/json",
            statusCode: status);
}
