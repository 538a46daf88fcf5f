using System.Diagnostics;
using Consilium.ServiceDefaults;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace Consilium.Telemetry;

/// <summary>
/// OpenTelemetry for every service (docs/observability.md): the service's own <c>ActivitySource</c> and the
/// <c>Consilium</c> meter, ASP.NET Core and HttpClient instrumentation without health probes, OTLP export when
/// <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set, a Prometheus scrape listener on <c>METRICS_PORT</c> (never the public
/// listener), and logs that carry trace and span ids with the probe and HttpClient chatter held at Warning.
/// </summary>
public static class ConsiliumTelemetry
{
    /// <summary>Every Consilium ActivitySource is named after its service's assembly, <c>Consilium.&lt;Service&gt;</c>.</summary>
    public const string SourcePattern = "Consilium.*";

    /// <summary>
    /// Categories that log a line per request or per probe at Information; Warning unless configured. Polly logs every
    /// successful attempt of a resilience pipeline ("Execution attempt") at Information: ten lines per council in the
    /// orchestrator and one per model call in each agent. Its retries, timeouts and breaker changes are Warnings.
    /// </summary>
    private static readonly string[] QuietCategories = ["System.Net.Http.HttpClient", "Microsoft.AspNetCore", "Polly"];

    public static TBuilder AddConsiliumTelemetry<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        var settings = TelemetrySettings.Read(builder.Configuration, builder.Environment.ApplicationName);
        builder.Services.AddSingleton(settings);
        ConfigureLogging(builder);

        var otel = builder.Services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService(
                serviceName: settings.ServiceName,
                serviceNamespace: "consilium",
                serviceInstanceId: settings.InstanceId))
            .WithMetrics(metrics =>
            {
                metrics
                    .AddAspNetCoreInstrumentation()
                    .AddHttpClientInstrumentation()
                    .AddRuntimeInstrumentation()
                    .AddMeter(ServiceDefaultsExtensions.MeterName)
                    .AddView(GenAiNames.TokenUsage, new ExplicitBucketHistogramConfiguration { Boundaries = GenAiNames.TokenBuckets })
                    .AddView(GenAiNames.CacheReadRatio, new ExplicitBucketHistogramConfiguration { Boundaries = GenAiNames.RatioBuckets });
                if (settings.MetricsPort is { } port)
                {
                    // A listener of its own: the public listener never serves /metrics, however Kestrel is configured.
                    // Every interface (a scraper runs in another container or pod) unless OTEL_EXPORTER_PROMETHEUS_HOST names one.
                    var host = builder.Configuration["OTEL_EXPORTER_PROMETHEUS_HOST"] is { Length: > 0 } set ? set.Trim() : "+";
                    metrics.AddPrometheusHttpListener(options =>
                    {
                        options.Port = port;
                        options.ConfigureHttpListener = (listenerOptions, listener) =>
                        {
                            listener.Prefixes.Clear();
                            listener.Prefixes.Add($"http://{host}:{port}{listenerOptions.ScrapeEndpointPath}/");
                        };
                    });
                }
            })
            .WithTracing(tracing => tracing
                .AddSource(SourcePattern)
                .AddAspNetCoreInstrumentation(options => options.Filter = context => !ServiceDefaultsExtensions.IsProbe(context.Request.Path))
                .AddHttpClientInstrumentation(options => options.FilterHttpRequestMessage = request =>
                    request.RequestUri is not { } uri || !ServiceDefaultsExtensions.IsProbe(uri.AbsolutePath)));

        if (!string.IsNullOrWhiteSpace(builder.Configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]))
        {
            otel.UseOtlpExporter();
        }
        return builder;
    }

    private static void ConfigureLogging(IHostApplicationBuilder builder)
    {
        builder.Logging.AddOpenTelemetry(logging =>
        {
            logging.IncludeFormattedMessage = true;
            logging.IncludeScopes = true;
        });
        // Every log line carries the trace and span of the work it belongs to (as a scope: the JSON console shows it).
        builder.Logging.Configure(options => options.ActivityTrackingOptions =
            ActivityTrackingOptions.TraceId | ActivityTrackingOptions.SpanId | ActivityTrackingOptions.ParentId);
        if (builder.Configuration["Logging:Console:FormatterOptions:IncludeScopes"] is null)
        {
            builder.Services.Configure<JsonConsoleFormatterOptions>(options => options.IncludeScopes = true);
        }
        var levels = builder.Configuration.GetSection("Logging:LogLevel");
        foreach (var category in QuietCategories)
        {
            if (levels[category] is null)
            {
                builder.Logging.AddFilter(category, LogLevel.Warning);
            }
        }
    }

    /// <summary>
    /// The user's message as <c>gen_ai.input.messages</c>, only when <c>OTEL_CAPTURE_CONTENT=true</c>; by default no
    /// message text enters telemetry at all.
    /// </summary>
    public static void SetInputMessages(this Activity? activity, TelemetrySettings settings, string userText)
    {
        if (settings.CaptureContent && activity is { IsAllDataRequested: true })
        {
            activity.SetTag(GenAiNames.InputMessages, InputMessages(userText));
        }
    }

    /// <summary>The GenAI conventions' shape of the attribute: <c>[{"role":"user","parts":[{"type":"text","content":…}]}]</c>.</summary>
    public static string InputMessages(string userText)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(userText.Length + 64);
        using (var json = new System.Text.Json.Utf8JsonWriter(buffer))
        {
            json.WriteStartArray();
            json.WriteStartObject();
            json.WriteString("role", "user");
            json.WriteStartArray("parts");
            json.WriteStartObject();
            json.WriteString("type", "text");
            json.WriteString("content", userText);
            json.WriteEndObject();
            json.WriteEndArray();
            json.WriteEndObject();
            json.WriteEndArray();
        }
        return System.Text.Encoding.UTF8.GetString(buffer.WrittenSpan);
    }
}
