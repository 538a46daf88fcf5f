using Microsoft.Net.Http.Headers;

namespace Consilium.Orchestrator.Security;

/// <summary>
/// CORS for the public API (CONTRACT §3, layer 1): exact origins only, never <c>*</c>, never credentials. A browser
/// page from any other origin, or a sandboxed/file page (<c>Origin: null</c>), is refused before anything else runs.
/// CORS only binds browsers: curl sends whatever it likes, which is why the bearer layer follows.
/// </summary>
public sealed class PublicCors(PublicSecurityOptions options)
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
}
