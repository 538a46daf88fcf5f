using System.Diagnostics.Metrics;

namespace Consilium.Orchestrator.Sessions;

/// <summary>The session log's metrics on the <c>Consilium</c> meter (docs/streaming.md "Failure modes").</summary>
public sealed class SessionMetrics(IMeterFactory meterFactory)
{
    public const string DegradedName = "consilium.sessions.degraded";
    public const string MirrorFailuresName = "consilium.sessions.mirror_failures";
    public const string MirrorRecoveriesName = "consilium.sessions.mirror_recoveries";

    // The meter factory hands out one Meter per name, so every counter here is on the same Consilium meter.
    public Meter Meter { get; } = meterFactory.Create(ServiceDefaultsExtensions.MeterName);

    private readonly Counter<long> _degraded = meterFactory.Create(ServiceDefaultsExtensions.MeterName).CreateCounter<long>(
        DegradedName, "{session}", "Councils started while Redis was unreachable: resumable on their own replica only until the mirror catches up.");

    private readonly Counter<long> _mirrorFailures = meterFactory.Create(ServiceDefaultsExtensions.MeterName).CreateCounter<long>(
        MirrorFailuresName, "{batch}", "Writes of a session's Redis mirror that failed; each is retried until Redis is back.");

    private readonly Counter<long> _mirrorRecoveries = meterFactory.Create(ServiceDefaultsExtensions.MeterName).CreateCounter<long>(
        MirrorRecoveriesName, "{session}", "Sessions whose Redis mirror caught up after failing.");

    public void Degraded() => _degraded.Add(1);

    public void MirrorFailed() => _mirrorFailures.Add(1);

    public void MirrorRecovered() => _mirrorRecoveries.Add(1);
}
