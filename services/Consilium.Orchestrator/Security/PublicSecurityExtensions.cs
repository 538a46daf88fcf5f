using Consilium.Orchestrator.Redis;
using Consilium.Orchestrator.Security.RateLimiting;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Consilium.Orchestrator.Security;

/// <summary>
/// The public API's auth layers (CONTRACT §3, "Auth, in this order"; README "Security"):
/// <c>builder.AddPublicSecurity()</c> registers them, <c>app.UsePublicSecurity()</c> puts them in the pipeline (after
/// routing, before any endpoint), and <c>RequirePublicAuth()</c> marks endpoints outside <c>/api</c> and carries the
/// per-endpoint options (resume token, council-stream cap). Everything under <c>/api</c> is guarded either way.
/// </summary>
public static class PublicSecurityExtensions
{
    public const string ApiPrefix = "/api";

    public static IHostApplicationBuilder AddPublicSecurity(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<RedisConnection>();
        // Read now, while the app is built, so a misconfigured replica stops with one line naming the variable
        // (ServiceRunner.Start) instead of the host's "failed to start" stack trace.
        services.TryAddSingleton(PublicSecurityOptions.Load(builder.Configuration));
        _ = new BearerSecrets(builder.Configuration);
        services.TryAddSingleton<BearerSecrets>();
        services.TryAddSingleton<PublicCors>();
        services.TryAddSingleton<ClientIpResolver>();
        services.TryAddSingleton<RateLimitMetrics>();
        services.TryAddSingleton<RedisFailover>();
        services.TryAddSingleton<PublicRateLimiter>();
        services.TryAddSingleton<CouncilStreamSlots>();
        services.AddHostedService<PublicSecurityStartup>();
        return builder;
    }

    /// <summary>Adds the auth layers to the pipeline. Call it after <c>UseExceptionHandler</c> and before mapping endpoints.</summary>
    public static IApplicationBuilder UsePublicSecurity(this IApplicationBuilder app) =>
        app.UseMiddleware<PublicSecurityMiddleware>();

    /// <summary>
    /// Marks endpoints as public API: they pass CORS, the bearer and the rate limit before they run. With
    /// <paramref name="allowResumeToken"/>, a <c>GET</c> may authenticate with <c>?resume=&lt;token&gt;</c> instead of the
    /// bearer, checked by the registered <see cref="IResumeTokenValidator"/> against the <c>{sessionId}</c> route value.
    /// </summary>
    /// <remarks>
    /// The checks run in <see cref="PublicSecurityMiddleware"/>, not in an endpoint filter: a filter runs after parameter
    /// binding (too late to refuse before the body is read) and never for plain <c>RequestDelegate</c> endpoints. The
    /// filter added here only makes sure the middleware is in the pipeline, failing closed if it is not.
    /// </remarks>
    public static TBuilder RequirePublicAuth<TBuilder>(this TBuilder builder, bool allowResumeToken = false)
        where TBuilder : IEndpointConventionBuilder
    {
        builder.WithMetadata(allowResumeToken ? PublicAuthMetadata.WithResumeToken : PublicAuthMetadata.BearerOnly);
        builder.AddEndpointFilter(static (context, next) =>
            context.HttpContext.GetPublicClient() is null
                ? throw new InvalidOperationException(
                    "This endpoint requires the public auth layers, but they did not run: call app.UsePublicSecurity() before mapping endpoints.")
                : next(context));
        return builder;
    }

    /// <summary>
    /// Counts each response of these endpoints as one open council stream of the client, capped by
    /// <c>COUNCIL_STREAMS_PER_CLIENT</c> (over it: 429). The slot is held until the response ends.
    /// </summary>
    public static TBuilder RequireCouncilStreamSlot<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(CouncilStreamSlotMetadata.Instance);
}

/// <summary>Endpoint metadata: this endpoint is public API (see <see cref="PublicSecurityExtensions.RequirePublicAuth"/>).</summary>
public sealed class PublicAuthMetadata
{
    public static readonly PublicAuthMetadata BearerOnly = new(false);
    public static readonly PublicAuthMetadata WithResumeToken = new(true);

    private PublicAuthMetadata(bool allowResumeToken) => AllowResumeToken = allowResumeToken;

    public bool AllowResumeToken { get; }
}

/// <summary>Endpoint metadata: each response is a council stream (see <see cref="PublicSecurityExtensions.RequireCouncilStreamSlot"/>).</summary>
public sealed class CouncilStreamSlotMetadata
{
    public static readonly CouncilStreamSlotMetadata Instance = new();

    private CouncilStreamSlotMetadata()
    {
    }
}
