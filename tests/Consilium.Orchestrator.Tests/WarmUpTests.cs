using System.Diagnostics.Metrics;
using System.Net.Http.Json;
using System.Text.Json;
using Consilium.Orchestrator.Council;
using Consilium.Orchestrator.Sessions;
using Consilium.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Consilium.Orchestrator.Tests;

/// <summary>
/// The council warm-up (docs/benchmarks.md, "Cold start"): before <c>/health</c> reports ready it has run a whole
/// council over canned agent streams to its tension map and <c>done</c>, and left nothing behind — no session, no
/// running council, no measurement on the replica's own meters.
/// </summary>
public sealed class WarmUpTests
{
    [Fact]
    public async Task Ready_AfterTheWarmUpCouncilRanToDone_WithNoSessionAndNothingMeasured()
    {
        var ct = TestContext.Current.CancellationToken;
        var measured = new List<string>();
        using var listener = new MeterListener();
        IMeterFactory? replica = null;
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Name == "Consilium")
            {
                l.EnableMeasurementEvents(instrument);
            }
        };
        void Record<T>(Instrument instrument, T value, ReadOnlySpan<KeyValuePair<string, object?>> tags, object? state)
        {
            // Only this replica's meters: the fixture's orchestrator runs councils in this process at the same time.
            if (instrument.Meter.Scope is not null && ReferenceEquals(instrument.Meter.Scope, replica))
            {
                lock (measured)
                {
                    measured.Add(instrument.Name);
                }
            }
        }
        listener.SetMeasurementEventCallback<long>(Record);
        listener.SetMeasurementEventCallback<double>(Record);
        listener.SetMeasurementEventCallback<int>(Record);
        listener.Start();

        var settings = ServiceSettings.Orchestrator("warm-secret", "warm-key", new Dictionary<string, Uri>(), CouncilFixture.ClosedPortUrl)
            .With(("AGENT_URL_TEMPLATE", CouncilFixture.ClosedPortUrl.AbsoluteUri + "{id}"));
        using var host = ServiceHost<OrchestratorApp>.Start(settings);
        replica = host.Services.GetRequiredService<IMeterFactory>();

        using var health = await host.Http.GetAsync("health", ct);
        var checks = (await health.Content.ReadFromJsonAsync<JsonElement>(ct)).GetProperty("checks");
        Assert.Equal("The request path is warm.", checks.GetProperty("warm-up").GetProperty("description").GetString());

        var store = Assert.IsType<MemorySessionStore>(host.Services.GetRequiredService<ISessionStore>());
        Assert.Equal(0, store.Count);
        Assert.Equal(0, host.Services.GetRequiredService<CouncilSessions>().Running);
        listener.RecordObservableInstruments();
        lock (measured)
        {
            Assert.True(measured.Count > 0, "The listener heard none of this replica's instruments, so it proves nothing.");
            Assert.DoesNotContain(measured, name => name.StartsWith("consilium.council", StringComparison.Ordinal) || name.StartsWith("gen_ai.", StringComparison.Ordinal));
        }
    }
}
