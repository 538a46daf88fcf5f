using Microsoft.Net.Http.Headers;

namespace Consilium.Orchestrator.Security;

/// <summary>
/// CORS for the public API (docs/api.md#public-api, layer 1): exact origins only, never <c>*</c>, never credentials. A browser
/// page from any other origin, or a sandboxed/file page (<c>Origin: null</c>), is refused with 403 before anything else
/// runs. CORS only binds browsers: curl sends whatever it likes, which is why the bearer layer follows.
/// </summary>
/// <remarks>
/// A middleware of its own rather than ASP.NET's <c>UseCors</c>: the framework's CORS never refuses a request — for an
/// origin outside the policy it only leaves the <c>Access-Control-*</c> headers out and lets the endpoint run, and it
/// answers a preflight from such an origin with 204 — while the contract wants a 403 problem before authentication,
/// the rate limit or the body. It also echoes only the requested method and headers in a preflight, where the contract
/// lists the fixed sets below.
/// </remarks>
/// <remarks>It runs in the branch of public API requests (<see cref="PublicSecurityExtensions.UsePublicSecurity"/>).</remarks>
public sealed partial class PublicCors(RequestDelegate next, PublicSecurityOptions options, ILogger<PublicCors> logger)
{
    /// <summary>The request headers a browser may send (lower case, as the contract lists them).</summary>
    public const string AllowedHeaders = "authorization, content-type, last-event-id";

    public const string AllowedMethods = "GET, POST";

    /// <summary>Response headers a page's script may read.</summary>
    public const string ExposedHeaders = "Consilium-Session, RateLimit-Limit, RateLimit-Remaining, RateLimit-Reset, Retry-After";

    /// <summary>How long a browser may cache a preflight answer.</summary>
    public const string PreflightMaxAgeSeconds = "600";

    public IReadOnlySet<string> AllowedOrigins => options.AllowedOrigins;

    public bool IsAllowed(string? origin) => origin is not null && options.AllowedOrigins.Contains(origin);

    public Task InvokeAsync(HttpContext context)
    {
        var request = context.Request;
        var response = context.Response;
        response.Headers.Append(HeaderNames.Vary, HeaderNames.Origin);
        var origins = request.Headers.Origin;
        if (origins.Count == 0)
        {
            return next(context);
        }
        var origin = origins.Count == 1 ? origins[0] : null;
        if (origin is null || !IsAllowed(origin))
        {
            LogOriginRefused(logger, origins.ToString());
            return SecurityProblems.OriginRefused(origins.ToString()).ExecuteAsync(context);
        }
        AllowOrigin(response, origin);
        if (IsPreflight(request))
        {
            WritePreflight(response, origin);
            return Task.CompletedTask;
        }
        return next(context);
    }

    public static bool IsPreflight(HttpRequest request) =>
        HttpMethods.IsOptions(request.Method) && request.Headers.ContainsKey(HeaderNames.AccessControlRequestMethod);

    /// <summary>What every answer to an allowed origin carries, errors included, so the page can read them.</summary>
    public static void AllowOrigin(HttpResponse response, string origin)
    {
        response.Headers.AccessControlAllowOrigin = origin;
        response.Headers.AccessControlExposeHeaders = ExposedHeaders;
    }

    public static void WritePreflight(HttpResponse response, string origin)
    {
        response.StatusCode = StatusCodes.Status204NoContent;
        response.Headers.AccessControlAllowOrigin = origin;
        response.Headers.AccessControlAllowMethods = AllowedMethods;
        response.Headers.AccessControlAllowHeaders = AllowedHeaders;
        response.Headers.AccessControlMaxAge = PreflightMaxAgeSeconds;
    }

    [LoggerMessage(EventId = 4001, Level = LogLevel.Debug, Message = "Refused a request from origin {Origin}")]
    private static partial void LogOriginRefused(ILogger logger, string origin);
}
