namespace Consilium.Gateway.Http;

/// <summary>
/// Security headers as real response headers on everything the gateway answers (docs/https.md): a
/// <c>Content-Security-Policy</c> with <c>frame-ancestors 'none'</c> (which a <c>&lt;meta&gt;</c> tag cannot carry),
/// <c>X-Content-Type-Options: nosniff</c>, <c>Referrer-Policy: no-referrer</c>, and <c>Cache-Control: no-store</c> on
/// the API. Set when the response starts, so they reach static files, proxied answers and error pages alike. A proxied
/// page that brings its own policy (the API reference page) keeps it.
/// </summary>
public static class SecurityHeaders
{
    /// <summary>The page's own <c>&lt;meta&gt;</c> policy (wwwroot/index.html), plus what only a header can say.</summary>
    public const string PagePolicy =
        "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

    /// <summary>API answers are data, never documents: nothing may load from them and nothing may frame them.</summary>
    public const string ApiPolicy = "default-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

    public const string ReferrerPolicy = "Referrer-Policy";

    public static WebApplication UseSecurityHeaders(this WebApplication app)
    {
        app.Use((context, next) =>
        {
            context.Response.OnStarting(Apply, context);
            return next(context);
        });
        return app;
    }

    private static Task Apply(object state)
    {
        var context = (HttpContext)state;
        var headers = context.Response.Headers;
        var api = context.Request.Path.StartsWithSegments("/api");
        if (!headers.ContainsKey(Microsoft.Net.Http.Headers.HeaderNames.ContentSecurityPolicy))
        {
            headers.ContentSecurityPolicy = api ? ApiPolicy : PagePolicy;
        }
        if (!headers.ContainsKey(ReferrerPolicy))
        {
            headers[ReferrerPolicy] = "no-referrer";
        }
        headers.XContentTypeOptions = "nosniff";
        if (api)
        {
            headers.CacheControl = "no-store";
        }
        return Task.CompletedTask;
    }
}
