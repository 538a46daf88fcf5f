using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Consilium.ServiceDefaults;

/// <summary>The health endpoints every service maps and the names every service shares.</summary>
public static class ServiceDefaultsExtensions
{
    public const string HealthPath = "/health";
    public const string AlivePath = "/alive";

    /// <summary>The tag of the checks <c>/alive</c> runs; <c>/health</c> runs every check.</summary>
    public const string LiveTag = "live";

    /// <summary>The meter every Consilium service publishes its own metrics on.</summary>
    public const string MeterName = "Consilium";

    /// <summary>Maps <c>/health</c> (every check: ready) and <c>/alive</c> (live checks only) in every environment.</summary>
    public static WebApplication MapDefaultEndpoints(this WebApplication app)
    {
        app.MapHealthChecks(HealthPath, new HealthCheckOptions { ResponseWriter = WriteHealth });
        app.MapHealthChecks(AlivePath, new HealthCheckOptions
        {
            Predicate = registration => registration.Tags.Contains(LiveTag),
            ResponseWriter = WriteHealth,
        });
        return app;
    }

    public static bool IsProbe(PathString path) =>
        path.StartsWithSegments(HealthPath) || path.StartsWithSegments(AlivePath);

    private static Task WriteHealth(HttpContext context, HealthReport report)
    {
        context.Response.ContentType = "application/json";
        var entries = report.Entries.ToDictionary(
            e => e.Key,
            e => new HealthEntry(e.Value.Status.ToString(), e.Value.Description));
        return context.Response.WriteAsJsonAsync(new HealthBody(report.Status.ToString(), entries), HealthJson.Default.HealthBody);
    }

    internal sealed record HealthBody(string Status, Dictionary<string, HealthEntry> Checks);

    internal sealed record HealthEntry(string Status, string? Description);
}

/// <summary>The health body's serialization metadata, generated at build time (no reflection, so Native AOT builds keep it).</summary>
[System.Text.Json.Serialization.JsonSourceGenerationOptions(System.Text.Json.JsonSerializerDefaults.Web)]
[System.Text.Json.Serialization.JsonSerializable(typeof(ServiceDefaultsExtensions.HealthBody))]
internal sealed partial class HealthJson : System.Text.Json.Serialization.JsonSerializerContext;
