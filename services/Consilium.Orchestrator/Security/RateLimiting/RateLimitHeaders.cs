using System.Globalization;

namespace Consilium.Orchestrator.Security.RateLimiting;

/// <summary>The <c>RateLimit-*</c> headers (IETF httpapi rate-limit headers) every rate-limited response carries.</summary>
public static class RateLimitHeaders
{
    public const string Limit = "RateLimit-Limit";
    public const string Remaining = "RateLimit-Remaining";
    public const string Reset = "RateLimit-Reset";
    public const string Policy = "RateLimit-Policy";

    public static void Write(HttpResponse response, RateLimitDecision decision, TimeSpan window)
    {
        var headers = response.Headers;
        headers[Limit] = decision.Limit.ToString(CultureInfo.InvariantCulture);
        headers[Remaining] = decision.Remaining.ToString(CultureInfo.InvariantCulture);
        headers[Reset] = decision.ResetSeconds.ToString(CultureInfo.InvariantCulture);
        headers[Policy] = string.Create(CultureInfo.InvariantCulture, $"{decision.Limit};w={(int)window.TotalSeconds}");
    }
}
