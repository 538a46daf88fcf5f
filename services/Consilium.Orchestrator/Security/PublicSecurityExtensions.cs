using Consilium.Orchestrator.Redis;
using Consilium.Orchestrator.Security.Authentication;
using Consilium.Orchestrator.Security.RateLimiting;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Consilium.Orchestrator.Security;

/// <summary>
/// The public API's auth layers (docs/api.md#public-api, "Auth, in this order"; docs/security.md), in the framework's
/// shapes: <c>builder.AddPublicSecurity()</c> binds and validates their options at start-up and registers the
/// <see cref="PublicAuthenticationHandler"/> scheme, the <see cref="PublicAuthorization"/> policy (also the fallback
/// policy) and the <see cref="PublicRequestLimiter"/> for <c>UseRateLimiter</c>; <c>app.UsePublicSecurity()</c> puts
/// them in the pipeline after routing, behind the CORS rule (<see cref="PublicCors"/>); <c>RequirePublicAuth()</c> marks
/// endpoints outside <c>/api</c> and carries the per-endpoint options (resume token, council-stream cap). Everything
/// under <c>/api</c> is guarded either way.
/// </summary>
public static class PublicSecurityExtensions
{
    public const string ApiPrefix = "/api";

    public static IHostApplicationBuilder AddPublicSecurity(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        // Bound and checked when the host starts (ValidateOnStart): a bad value stops the replica with one line naming
        // the variable (ServiceRunner).
        services.AddOptions<PublicSecurityOptions>().Configure<IConfiguration>(PublicSecurityOptions.Read).ValidateOnStart();
        services.AddOptions<BearerSecretOptions>().Configure<IConfiguration>(BearerSecretOptions.Read).ValidateOnStart();
        services.TryAddSingleton(provider => provider.GetRequiredService<IOptions<PublicSecurityOptions>>().Value);
        services.TryAddSingleton(provider => provider.GetRequiredService<IOptions<BearerSecretOptions>>().Value);

        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton<RedisConnection>();
        services.TryAddSingleton<BearerSecrets>();
        services.TryAddSingleton<ClientIpResolver>();
        services.TryAddSingleton<RateLimitMetrics>();
        services.TryAddSingleton<RedisFailover>();
        services.TryAddSingleton<PublicRateLimiter>();
        services.TryAddSingleton<CouncilStreamSlots>();
        services.TryAddSingleton<PublicRequestLimiter>();
        services.AddHostedService<PublicSecurityStartup>();

        services.AddAuthentication(PublicAuthenticationHandler.SchemeName)
            .AddScheme<AuthenticationSchemeOptions, PublicAuthenticationHandler>(PublicAuthenticationHandler.SchemeName, configureOptions: null);
        services.AddAuthorizationBuilder()
            .AddPolicy(PublicAuthorization.PolicyName, PublicAuthorization.Policy)
            .SetFallbackPolicy(PublicAuthorization.Policy);
        services.AddRateLimiter(static _ => { });
        services.AddOptions<RateLimiterOptions>().Configure<PublicRequestLimiter>(static (options, limiter) => limiter.Configure(options));
        return builder;
    }

    /// <summary>
    /// Adds the auth layers to the pipeline, in the contract's order: CORS, authentication and authorization (the bearer
    /// or resume token), then the council-stream cap and the rate limit. Call it after <c>UseExceptionHandler</c> and
    /// before mapping endpoints; a refused request is answered before a byte of its body is read.
    /// </summary>
    /// <remarks>
    /// The layers are a branch taken by public API requests only (<see cref="IsPublicApi"/>), so <c>/health</c> and the
    /// other endpoints pay nothing for them.
    /// </remarks>
    public static IApplicationBuilder UsePublicSecurity(this IApplicationBuilder app)
    {
        app.UseWhen(static context => IsPublicApi(context, out _), static api => api
            .UseMiddleware<PublicCors>()
            .UseAuthentication()
            .UseAuthorization()
            .UseRateLimiter());
        // A branch keeps its own copy of the builder's properties, where UseAuthentication and UseAuthorization note that
        // they are in the pipeline. Noted here too, or WebApplication would add both again for every request, ahead of CORS.
        app.Properties[AuthenticationMiddlewareSetKey] = true;
        app.Properties[AuthorizationMiddlewareSetKey] = true;
        return app;
    }

    // The keys WebApplication reads (AuthAppBuilderExtensions, AuthorizationAppBuilderExtensions).
    private const string AuthenticationMiddlewareSetKey = "__AuthenticationMiddlewareSet";
    private const string AuthorizationMiddlewareSetKey = "__AuthorizationMiddlewareSet";

    /// <summary>
    /// Marks endpoints as public API: they pass CORS, the bearer and the rate limit before they run. With
    /// <paramref name="allowResumeToken"/>, a <c>GET</c> may authenticate with <c>?resume=&lt;token&gt;</c> instead of the
    /// bearer, checked by the registered <see cref="IResumeTokenValidator"/> against the <c>{sessionId}</c> route value.
    /// </summary>
    /// <remarks>
    /// The endpoint requires the <see cref="PublicAuthorization"/> policy, so the framework fails closed if
    /// <c>UsePublicSecurity()</c> is missing (the endpoint middleware throws for authorization metadata that no
    /// authorization middleware saw).
    /// </remarks>
    public static TBuilder RequirePublicAuth<TBuilder>(this TBuilder builder, bool allowResumeToken = false)
        where TBuilder : IEndpointConventionBuilder =>
        builder
            .WithMetadata(allowResumeToken ? PublicAuthMetadata.WithResumeToken : PublicAuthMetadata.BearerOnly)
            .RequireAuthorization(PublicAuthorization.PolicyName);

    /// <summary>
    /// Counts each response of these endpoints as one open council stream of the client, capped by
    /// <c>COUNCIL_STREAMS_PER_CLIENT</c> (over it: 429). The slot is held until the response ends.
    /// </summary>
    public static TBuilder RequireCouncilStreamSlot<TBuilder>(this TBuilder builder) where TBuilder : IEndpointConventionBuilder =>
        builder.WithMetadata(CouncilStreamSlotMetadata.Instance);

    /// <summary>
    /// Whether the request is public API — under <c>/api</c> or to an endpoint marked <c>RequirePublicAuth()</c> — and so
    /// passes every auth layer; <paramref name="metadata"/> is the endpoint's marker, if it has one.
    /// </summary>
    public static bool IsPublicApi(HttpContext context, out PublicAuthMetadata? metadata)
    {
        metadata = context.GetEndpoint()?.Metadata.GetMetadata<PublicAuthMetadata>();
        return metadata is not null || context.Request.Path.StartsWithSegments(ApiPrefix);
    }
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
