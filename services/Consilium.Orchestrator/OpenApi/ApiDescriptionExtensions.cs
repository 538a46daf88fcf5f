using Scalar.AspNetCore;

namespace Consilium.Orchestrator.OpenApi;

/// <summary>
/// The API description (docs/api.md): <c>/openapi/v1.json</c> from Microsoft.AspNetCore.OpenApi, enriched
/// with request bodies, problem responses and the event-stream events (see <see cref="ApiOperations"/>), and the
/// Scalar reference page at <c>/docs</c>. Both are public, like the page: no auth layer guards them.
/// </summary>
public static class ApiDescriptionExtensions
{
    public const string DocumentName = "v1";
    public const string DocumentPath = "/openapi/{documentName}.json";
    public const string ReferencePath = "/docs";

    /// <summary>
    /// The reference page's own policy: Scalar runs one inline configuration script and inline styles; everything
    /// else (its bundled script, the document) comes from this origin, and nothing may frame it.
    /// </summary>
    public const string ReferencePolicy =
        "default-src 'none'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
        + "font-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

    public static IHostApplicationBuilder AddApiDescription(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOpenApi(DocumentName, options =>
        {
            options.AddDocumentTransformer<ApiDocumentTransformer>();
            options.AddOperationTransformer<ApiOperationTransformer>();
        });
        return builder;
    }

    /// <summary>Describes the <c>/api</c> endpoints (call on the group before or after mapping them).</summary>
    public static RouteGroupBuilder WithApiDescriptions(this RouteGroupBuilder api)
    {
        ((IEndpointConventionBuilder)api).Add(ApiOperations.Describe);
        return api;
    }

    public static WebApplication MapApiDescription(this WebApplication app)
    {
        app.MapOpenApi(DocumentPath);
        app.MapScalarApiReference(ReferencePath, options => options
                .WithTitle("Consilium API")
                .WithOpenApiRoutePattern(DocumentPath)
                .DisableDefaultFonts())
            .Add(endpoint =>
            {
                var next = endpoint.RequestDelegate!;
                endpoint.RequestDelegate = context =>
                {
                    context.Response.Headers.ContentSecurityPolicy = ReferencePolicy;
                    return next(context);
                };
            });
        return app;
    }

    /// <summary>Whether an endpoint is the description itself (not listed in it).</summary>
    public static bool IsDescriptionEndpoint(Endpoint endpoint) =>
        endpoint.Metadata.GetMetadata<IExcludeFromDescriptionMetadata>()?.ExcludeFromDescription == true;
}
