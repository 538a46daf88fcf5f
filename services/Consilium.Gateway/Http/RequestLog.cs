using System.Diagnostics;

namespace Consilium.Gateway.Http;

/// <summary>
/// What the gateway logs about requests (docs/reliability.md, "Gateway logs"). A resume URL carries the session's
/// resume token (<c>?resume=</c>), so no log line may hold a query string of that route. The framework's per-request
/// lines (ASP.NET Core's "Request starting GET http://…?resume=…" and YARP's "Proxying to http://…") print the full
/// URL at Information, so they are held at Warning whatever the configuration says; in their place the gateway
/// writes one line per request at Debug — off by default — with the query string of the resume route redacted.
/// </summary>
public static partial class RequestLog
{
    public const string Category = "Consilium.Gateway.Requests";

    /// <summary>What stands for a redacted query string.</summary>
    public const string RedactedQuery = "?(redacted)";

    /// <summary>Logger categories that print whole request URLs; they never log below Warning here.</summary>
    public static readonly string[] UrlLoggingCategories =
    [
        "Microsoft.AspNetCore.Hosting.Diagnostics",
        "Microsoft.AspNetCore.Routing.EndpointMiddleware",
        "Yarp.ReverseProxy.Forwarder.HttpForwarder",
    ];

    public static IHostApplicationBuilder AddRequestLog(this IHostApplicationBuilder builder)
    {
        // Added after the configuration's own rules: for the same category the later rule wins.
        foreach (var category in UrlLoggingCategories)
        {
            builder.Logging.AddFilter(category, LogLevel.Warning);
        }
        return builder;
    }

    public static WebApplication UseRequestLog(this WebApplication app)
    {
        var logger = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger(Category);
        app.Use(async (context, next) =>
        {
            if (!logger.IsEnabled(LogLevel.Debug))
            {
                await next(context);
                return;
            }
            var started = Stopwatch.GetTimestamp();
            try
            {
                await next(context);
            }
            finally
            {
                var request = context.Request;
                LogRequest(logger, request.Method, request.Path.Value ?? "", SafeQuery(request.Path, request.QueryString),
                    context.Response.StatusCode, (long)Stopwatch.GetElapsedTime(started).TotalMilliseconds);
            }
        });
        return app;
    }

    /// <summary>The query string as it may be logged: redacted on the resume route (<c>/api/consilium/sessions/{id}/events</c>).</summary>
    public static string SafeQuery(PathString path, QueryString query)
    {
        if (!query.HasValue)
        {
            return "";
        }
        var segments = (path.Value ?? "").Split('/', StringSplitOptions.RemoveEmptyEntries);
        var resumeRoute = segments is ["api", "consilium", "sessions", _, "events"];
        return resumeRoute || query.Value!.Contains("resume=", StringComparison.OrdinalIgnoreCase) ? RedactedQuery : query.Value!;
    }

    [LoggerMessage(EventId = 5001, Level = LogLevel.Debug, Message = "{Method} {Path}{Query} answered {Status} in {ElapsedMs} ms")]
    private static partial void LogRequest(ILogger logger, string method, string path, string query, int status, long elapsedMs);
}
