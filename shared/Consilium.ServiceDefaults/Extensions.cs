using Consilium.ServiceDefaults;
using Consilium.Telemetry;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;

// The entry point alone sits in the hosting namespace, as in the Aspire service-defaults template, so that
// `builder.AddServiceDefaults()` reads the same in every Program.cs; everything else is in Consilium.* namespaces.
namespace Microsoft.Extensions.Hosting;

/// <summary>
/// What every Consilium service shares: OpenTelemetry, health checks and HttpClient defaults, in the shape of the
/// Aspire service-defaults template. The endpoints and names that go with them are <see cref="ServiceDefaultsExtensions"/>.
/// </summary>
public static class ConsiliumServiceDefaults
{
    public static TBuilder AddServiceDefaults<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        // `<service> --health-check` probes the service beside it and exits here, before anything else is built.
        HealthCheckCommand.ExitIfRequested(builder.Configuration);

        // Traces, metrics and logs (docs/observability.md).
        builder.AddConsiliumTelemetry();
        builder.Services.AddHealthChecks()
            .AddCheck("self", () => HealthCheckResult.Healthy(), [ServiceDefaultsExtensions.LiveTag]);

        builder.Services.ConfigureHttpClientDefaults(http =>
        {
            // Streaming clients opt out of response buffering and whole-request timeouts themselves;
            // the defaults here only make sure every client is instrumented.
            http.ConfigureHttpClient(client => client.DefaultRequestVersion = System.Net.HttpVersion.Version11);
        });
        return builder;
    }
}
