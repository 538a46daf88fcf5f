using System.Diagnostics.Tracing;
using Microsoft.Diagnostics.NETCore.Client;
using Microsoft.Diagnostics.Tracing;

namespace Consilium.Benchmark.Measurement;

/// <summary>
/// Bytes allocated on the managed heap by other .NET processes, read the way <c>dotnet-counters</c> reads them: one
/// EventPipe session per process (Microsoft.Diagnostics.NETCore.Client) asking the runtime's <c>System.Runtime</c>
/// counters every <see cref="IntervalSeconds"/> s, parsed with TraceEvent; the <c>alloc-rate</c> increments are summed.
/// Nothing is added to the services. A total is complete up to the last published interval, so a reader waits
/// <see cref="Settle"/> after the load stops before taking it.
/// </summary>
public sealed class AllocationCounters : IDisposable
{
    private const int IntervalSeconds = 1;

    /// <summary>Long enough for one more interval to be published after the load stopped.</summary>
    public static readonly TimeSpan Settle = TimeSpan.FromSeconds(IntervalSeconds + 0.3);

    private readonly Dictionary<int, Session> _sessions = [];

    /// <summary>Starts a session in each process that accepts one; a process that does not reads as unknown (NaN).</summary>
    public static AllocationCounters Start(IEnumerable<int> processIds)
    {
        var counters = new AllocationCounters();
        foreach (var pid in processIds.Distinct())
        {
            try
            {
                counters._sessions[pid] = new Session(pid);
            }
            catch (Exception ex) when (ex is ServerNotAvailableException or UnsupportedCommandException or TimeoutException or IOException or UnauthorizedAccessException)
            {
                // not a .NET process of ours, or gone: its figure stays unknown
            }
        }
        return counters;
    }

    /// <summary>Bytes allocated by <paramref name="processId"/> since its session started; NaN without a session.</summary>
    public double AllocatedBytes(int processId) =>
        _sessions.TryGetValue(processId, out var session) ? Interlocked.CompareExchange(ref session.Total, 0, 0) : double.NaN;

    public void Dispose()
    {
        foreach (var session in _sessions.Values)
        {
            session.Dispose();
        }
    }

    private sealed class Session : IDisposable
    {
        private readonly EventPipeSession _session;
        private readonly Task _reading;
        public double Total;

        public Session(int processId)
        {
            var provider = new EventPipeProvider("System.Runtime", EventLevel.Informational, (long)EventKeywords.All,
                new Dictionary<string, string> { ["EventCounterIntervalSec"] = IntervalSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture) });
            _session = new DiagnosticsClient(processId).StartEventPipeSession([provider], requestRundown: false);
            var source = new EventPipeEventSource(_session.EventStream);
            source.Dynamic.All += OnEvent;
            _reading = Task.Run(() =>
            {
                try
                {
                    source.Process();
                }
                catch (Exception ex) when (ex is IOException or ObjectDisposedException or EndOfStreamException)
                {
                    // the process exited or the session was stopped
                }
                finally
                {
                    source.Dispose();
                }
            });
        }

        private void OnEvent(TraceEvent e)
        {
            if (e.EventName != "EventCounters" || e.PayloadValue(0) is not IDictionary<string, object> outer
                || outer.TryGetValue("Payload", out var inner) is false || inner is not IDictionary<string, object> fields
                || fields.TryGetValue("Name", out var name) is false || name as string != "alloc-rate"
                || fields.TryGetValue("Increment", out var increment) is false)
            {
                return;
            }
            var bytes = Convert.ToDouble(increment, System.Globalization.CultureInfo.InvariantCulture);
            double seen, next;
            do
            {
                seen = Total;
                next = seen + bytes;
            }
            while (Interlocked.CompareExchange(ref Total, next, seen) != seen);
        }

        public void Dispose()
        {
            try
            {
                _session.Stop();
            }
            catch (Exception ex) when (ex is ServerNotAvailableException or IOException or TimeoutException or InvalidOperationException)
            {
                // already gone
            }
            _session.Dispose();
            _reading.Wait(TimeSpan.FromSeconds(5));
        }
    }
}
