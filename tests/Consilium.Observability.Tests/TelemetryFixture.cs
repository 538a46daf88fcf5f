using Consilium.Local.Topology;
using Consilium.Observability.Tests.Otlp;
using Consilium.Testing;

[assembly: AssemblyFixture(typeof(Consilium.Observability.Tests.TelemetryFixture))]

namespace Consilium.Observability.Tests;

/// <summary>
/// The whole system as separate processes exporting OTLP/HTTP protobuf to a receiver this test hosts, with short
/// export intervals so telemetry arrives within a second, and a <c>METRICS_PORT</c> of its own for the gateway, the
/// orchestrator and agent <c>chen</c>.
/// </summary>
public sealed class TelemetryFixture : IAsyncLifetime
{
    public const string FailingAgent = "chen";
    public const string FirstModel = "claude-sonnet-4-20250514";

    private ProcessTopology? _topology;

    public OtlpReceiver Receiver { get; private set; } = null!;

    public ProcessTopology Topology => _topology ?? throw new InvalidOperationException("The topology has not started.");

    public Dictionary<string, int> MetricsPorts { get; } = new()
    {
        [TopologyPlan.GatewayName] = Ports.GetFree(),
        [TopologyPlan.OrchestratorName] = Ports.GetFree(),
        [TopologyPlan.AgentName(FailingAgent)] = Ports.GetFree(),
    };

    /// <summary>
    /// What every service gets to export to <paramref name="receiver"/> every 200 ms; no variable of the test machine's
    /// own telemetry settings leaks in, so message text stays out unless <paramref name="captureContent"/>.
    /// </summary>
    public static Dictionary<string, string?> ExportingTo(OtlpReceiver receiver, bool captureContent = false) => new()
    {
        ["OTEL_EXPORTER_OTLP_ENDPOINT"] = receiver.Endpoint.AbsoluteUri.TrimEnd('/'),
        ["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/protobuf",
        ["OTEL_BSP_SCHEDULE_DELAY"] = "200",
        ["OTEL_BLRP_SCHEDULE_DELAY"] = "200",
        ["OTEL_METRIC_EXPORT_INTERVAL"] = "500",
        ["OTEL_CAPTURE_CONTENT"] = captureContent ? "true" : null,
        ["OTEL_TRUST_INCOMING_TRACEPARENT"] = null,
        ["OTEL_TRACE_REDIS"] = null,
        ["METRICS_PORT"] = null,
    };

    public async ValueTask InitializeAsync()
    {
        Receiver = await OtlpReceiver.StartAsync();
        var environment = ExportingTo(Receiver);
        var perService = MetricsPorts.ToDictionary(
            entry => entry.Key,
            entry => (IReadOnlyDictionary<string, string?>)new Dictionary<string, string?> { ["METRICS_PORT"] = entry.Value.ToString(System.Globalization.CultureInfo.InvariantCulture) });
        _topology = await ProcessTopology.StartAsync(environment, TestContext.Current.CancellationToken, perService: perService);
    }

    public async ValueTask DisposeAsync()
    {
        if (_topology is not null)
        {
            await _topology.DisposeAsync();
        }
        if (Receiver is not null)
        {
            await Receiver.DisposeAsync();
        }
    }
}
