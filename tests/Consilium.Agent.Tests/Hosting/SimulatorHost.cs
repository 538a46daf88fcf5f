using System.Diagnostics;
using System.Text.Json;
using Consilium.ModelSimulator;
using Consilium.Testing;

[assembly: AssemblyFixture(typeof(Consilium.Agent.Tests.Hosting.SimulatorHost))]

namespace Consilium.Agent.Tests.Hosting;

/// <summary>
/// The real model simulator on a real Kestrel socket, shared by every test in this assembly. It answers fast
/// (5 ms to the first token, 2000 tokens/s) unless a test's directive says otherwise.
/// </summary>
public sealed class SimulatorHost : ServiceHost<SimulatorApp>
{
    public SimulatorHost()
        : base(ServiceSettings.FastSimulator())
    {
        StartOnKestrel();
    }

    /// <summary>
    /// Polls the request log until the latest request for <paramref name="seat"/> that started at or after
    /// <paramref name="since"/> satisfies <paramref name="predicate"/>; fails after <paramref name="within"/> (default 5 s)
    /// showing what the simulator logged. Tests that read the log use a seat no other test uses.
    /// </summary>
    public async Task<JsonElement> WaitForRequestAsync(
        string seat, DateTimeOffset since, Func<JsonElement, bool> predicate, CancellationToken cancellationToken, TimeSpan? within = null)
    {
        var started = TimeProvider.System.GetTimestamp();
        var limit = within ?? TimeSpan.FromSeconds(5);
        JsonElement? seen = null;
        while (true)
        {
            seen = (await SimulatorRequestLog.ReadAsync(Http, cancellationToken))
                .Where(entry => entry.GetProperty("seat").GetString() == seat && entry.GetProperty("startedAt").GetDateTimeOffset() >= since)
                .Select(entry => (JsonElement?)entry)
                .LastOrDefault();
            if (seen is { } entry && predicate(entry))
            {
                return entry;
            }
            if (TimeProvider.System.GetElapsedTime(started) > limit)
            {
                break;
            }
            await Task.Delay(TimeSpan.FromMilliseconds(20), cancellationToken);
        }
        Assert.Fail(seen is { } last
            ? $"The simulator's latest request for seat '{seat}' did not reach the expected state within {limit.TotalSeconds} s: {last}"
            : $"The simulator logged no request for seat '{seat}' within {limit.TotalSeconds} s.");
        throw new UnreachableException();
    }

    /// <summary>Whether the simulator saw the caller go away before the answer was complete.</summary>
    public static bool IsCancelled(JsonElement entry) => entry.GetProperty("outcome").GetString() == "cancelled";

    /// <summary>
    /// Whether the request is over. A stalled answer (<c>fault=stall</c>) holds the connection open until the caller
    /// closes it, so for a stall this means the caller cancelled.
    /// </summary>
    public static bool IsEnded(JsonElement entry) => entry.GetProperty("endedAt").ValueKind != JsonValueKind.Null;
}
