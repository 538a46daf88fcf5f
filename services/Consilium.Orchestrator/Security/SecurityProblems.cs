using Microsoft.AspNetCore.Http.HttpResults;

namespace Consilium.Orchestrator.Security;

/// <summary>The public edge's refusals, as <c>application/problem+json</c> with a detail a person can act on.</summary>
public static class SecurityProblems
{
    private const int MaxEchoedOriginLength = 200;

    public static ProblemHttpResult OriginRefused(string origin)
    {
        var shown = origin.Length > MaxEchoedOriginLength ? origin[..MaxEchoedOriginLength] + "…" : origin;
        return TypedResults.Problem(
            origin == "null"
                ? "Pages with an opaque origin (Origin: null: sandboxed frames, file:// pages, some redirects) may not call this API. Serve the page from an allowed origin."
                : $"Pages served from '{shown}' may not call this API. Browsers may call it only from the origins the operator listed in ALLOWED_ORIGINS (by default the gateway's own origin).",
            statusCode: StatusCodes.Status403Forbidden,
            title: "Origin not allowed");
    }

    public static ProblemHttpResult Unauthorized(BearerCheck check, bool resumeTokenAccepted)
    {
        var alternative = resumeTokenAccepted ? " (or add '?resume=<resumeToken>' from the session event)" : "";
        var detail = check switch
        {
            BearerCheck.Missing => $"Send 'Authorization: Bearer <secret>'{alternative}; the secret is the CONSILIUM_SECRET the operator gave you.",
            BearerCheck.TooLong => $"The token in 'Authorization: Bearer <secret>' is longer than {BearerSecrets.MaxTokenLength} characters; send the secret you were given.",
            BearerCheck.Wrong => $"The token in 'Authorization: Bearer <secret>' is not a current secret{alternative}. If the operator rotated CONSILIUM_SECRET, ask for the new one.",
            _ => $"Send exactly one header 'Authorization: Bearer <secret>': the scheme, a space and one token{alternative}.",
        };
        return TypedResults.Problem(detail, statusCode: StatusCodes.Status401Unauthorized, title: "Unauthorized");
    }

    public static ProblemHttpResult RateLimited(int limit, TimeSpan window, int retryAfterSeconds) =>
        TypedResults.Problem(
            $"More than {limit} requests from your address within {window.TotalSeconds:0} s. Retry in {retryAfterSeconds} s (see Retry-After).",
            statusCode: StatusCodes.Status429TooManyRequests,
            title: "Too many requests");

    public static ProblemHttpResult TooManyStreams(int cap) =>
        TypedResults.Problem(
            $"Your address already has {cap} council stream{(cap == 1 ? "" : "s")} open, the most allowed at once. Let one finish or close it, then ask again.",
            statusCode: StatusCodes.Status429TooManyRequests,
            title: "Too many open council streams");
}
