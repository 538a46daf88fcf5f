namespace Consilium.Gateway.Http;

/// <summary>
/// The public edge's HTTP: Kestrel limits for long event streams kept alive by heartbeats (shared with the
/// orchestrator, <see cref="KestrelLimits"/>), and
/// <c>application/problem+json</c> for every error the gateway itself answers (an unknown path, an unreachable
/// orchestrator), as the contract asks of every non-stream error.
/// </summary>
public static class EdgeHttp
{
    public static IHostApplicationBuilder AddEdgeHttp(this IHostApplicationBuilder builder)
    {
        builder.Services.AddProblemDetails(options => options.CustomizeProblemDetails = context =>
            context.ProblemDetails.Detail ??= context.ProblemDetails.Status switch
            {
                StatusCodes.Status404NotFound => "Nothing is served at this path. The API is under /api (see the README).",
                StatusCodes.Status502BadGateway or StatusCodes.Status503ServiceUnavailable or StatusCodes.Status504GatewayTimeout =>
                    "The Consilium service behind this gateway could not be reached. Try again in a few seconds.",
                _ => null,
            });
        builder.Services.ConfigureKestrelForStreams();
        return builder;
    }

    /// <summary>Bodiless error statuses (404, YARP's 502/503/504) become problem details; unhandled exceptions too.</summary>
    public static WebApplication UseEdgeHttp(this WebApplication app)
    {
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        return app;
    }
}
