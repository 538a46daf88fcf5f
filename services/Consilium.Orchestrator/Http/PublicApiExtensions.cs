using Consilium.Orchestrator.Security;
using Consilium.Streaming;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Consilium.Orchestrator.Http;

/// <summary>The public <c>/api</c> surface: its auth layers, its limits and how its errors look (docs/api.md#public-api).</summary>
public static class PublicApiExtensions
{
    public const string Prefix = "/api";

    public static readonly TimeSpan HeartbeatInterval = TimeSpan.FromSeconds(10);

    public static IHostApplicationBuilder AddPublicApi(this IHostApplicationBuilder builder)
    {
        builder.Services.AddProblemDetails();
        builder.Services.ConfigureKestrelForStreams();
        builder.Services.TryAddSingleton(TimeProvider.System);
        builder.Services.AddOptions<PublicStreamOptions>().Configure<IConfiguration>(PublicStreamOptions.Read).ValidateOnStart();
        builder.Services.AddSingleton(services => new SseStreamOptions
        {
            WriteTimeout = services.GetRequiredService<IOptions<PublicStreamOptions>>().Value.WriteTimeout,
            // The contract allows at most 15 s of silence; 10 s keeps timer slack and slow writes inside it.
            HeartbeatInterval = HeartbeatInterval,
            TimeProvider = services.GetRequiredService<TimeProvider>(),
        });

        builder.AddPublicSecurity();
        return builder;
    }

    /// <summary>Unhandled exceptions and bodiless error statuses (404, 405, …) become <c>application/problem+json</c>.</summary>
    public static WebApplication UseProblemResponses(this WebApplication app)
    {
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        return app;
    }

    /// <summary>The <c>/api</c> route group; every endpoint in it passes the public auth layers first.</summary>
    public static RouteGroupBuilder MapPublicApi(this IEndpointRouteBuilder app) =>
        app.MapGroup(Prefix).RequirePublicAuth();
}
