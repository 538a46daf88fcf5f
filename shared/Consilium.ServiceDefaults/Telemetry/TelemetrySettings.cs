using Consilium.ServiceDefaults;
using Microsoft.Extensions.Configuration;

namespace Consilium.Telemetry;

/// <summary>
/// The telemetry variables every service reads (docs/observability.md): whether message text may enter telemetry,
/// whether a public client's trace context is honoured at the edge, the internal scrape port, and the names the
/// service reports itself under.
/// </summary>
public sealed record TelemetrySettings(bool CaptureContent, bool TrustIncomingTraceParent, int? MetricsPort, string ServiceName, string InstanceId)
{
    public const string CaptureContentVariable = "OTEL_CAPTURE_CONTENT";
    public const string TrustIncomingTraceParentVariable = "OTEL_TRUST_INCOMING_TRACEPARENT";
    public const string MetricsPortVariable = "METRICS_PORT";
    public const string ServiceNameVariable = "OTEL_SERVICE_NAME";
    public const string InstanceIdVariable = "OTEL_SERVICE_INSTANCE_ID";

    /// <summary>Reads the variables; a malformed value stops start-up with a line naming it.</summary>
    public static TelemetrySettings Read(IConfiguration configuration, string applicationName)
    {
        var metricsPort = string.IsNullOrWhiteSpace(configuration[MetricsPortVariable])
            ? (int?)null
            : configuration.GetInt(MetricsPortVariable, 0, 1, 65535);
        var name = configuration[ServiceNameVariable] is { Length: > 0 } set ? set.Trim() : DefaultServiceName(configuration, applicationName);
        // Kubernetes sets HOSTNAME to the pod name, compose to the container id: both tell replicas apart.
        var instance = configuration[InstanceIdVariable] is { Length: > 0 } id ? id.Trim()
            : configuration["HOSTNAME"] is { Length: > 0 } host ? $"{host}-{Environment.ProcessId}"
            : $"{Environment.MachineName}-{Environment.ProcessId}";
        return new TelemetrySettings(
            Flag(configuration, CaptureContentVariable),
            Flag(configuration, TrustIncomingTraceParentVariable),
            metricsPort,
            name,
            instance);
    }

    /// <summary>
    /// The names the local launcher, compose and Kubernetes use: <c>gateway</c>, <c>orchestrator</c>,
    /// <c>model-simulator</c>, and <c>agent-&lt;AGENT_ID&gt;</c>, so ten processes of one image are ten services.
    /// </summary>
    private static string DefaultServiceName(IConfiguration configuration, string applicationName) => applicationName switch
    {
        "Consilium.Agent" when configuration["AGENT_ID"] is { Length: > 0 } agent => "agent-" + agent.Trim().ToLowerInvariant(),
        "Consilium.Gateway" => "gateway",
        "Consilium.Orchestrator" => "orchestrator",
        "Consilium.ModelSimulator" => "model-simulator",
        _ => applicationName,
    };

    /// <summary>A true/false variable (<paramref name="whenUnset"/> when unset); any other value stops start-up naming it.</summary>
    public static bool Flag(IConfiguration configuration, string name, bool whenUnset = false) => configuration[name]?.Trim().ToLowerInvariant() switch
    {
        null or "" => whenUnset,
        "false" or "0" => false,
        "true" or "1" => true,
        var other => throw new ConfigurationErrorException($"{name} must be true or false, not '{other}'."),
    };
}
