using Consilium.Benchmark.Hosting;
using Consilium.Benchmark.Measurement;

namespace Consilium.Benchmark.Reporting;

/// <summary>Peak resident memory (VmHWM, MiB) per service, one column per measured phase.</summary>
public sealed class MemoryTable(string title = "peak RSS (MiB)")
{
    private readonly List<(string Phase, IReadOnlyDictionary<string, double> Peaks)> _columns = [];

    /// <summary>Every process's peak now (since its last reset), by process name.</summary>
    public static Dictionary<string, double> Snapshot(IEnumerable<MeasuredProcess> processes) =>
        processes.ToDictionary(p => p.Name, p => PeakMemory.PeakMiB(p.ProcessId));

    /// <summary>The larger of two snapshots, name by name.</summary>
    public static Dictionary<string, double> Max(IReadOnlyDictionary<string, double> a, IReadOnlyDictionary<string, double> b) =>
        a.Keys.Union(b.Keys).ToDictionary(k => k, k => Math.Max(a.GetValueOrDefault(k, double.MinValue), b.GetValueOrDefault(k, double.MinValue)));

    public MemoryTable Add(string phase, IReadOnlyDictionary<string, double> peaks)
    {
        _columns.Add((phase, peaks));
        return this;
    }

    /// <summary>
    /// Rows: the simulator; the agents (the named one and the largest of the others, or the largest and the sum of all
    /// ten); the orchestrator; the gateway; Redis when it ran.
    /// </summary>
    public MarkdownTable Build(string? highlightedAgent = null)
    {
        var table = new MarkdownTable([title, .. _columns.Select(c => c.Phase)]);
        Add(table, "model-simulator", peaks => Get(peaks, "model-simulator"));
        if (highlightedAgent is not null)
        {
            var name = "agent-" + highlightedAgent;
            Add(table, name, peaks => Get(peaks, name));
            Add(table, "other agents, largest", peaks => Agents(peaks).Where(p => p.Key != name).Select(p => p.Value).DefaultIfEmpty(double.NaN).Max());
        }
        else
        {
            Add(table, "agents, largest of 10", peaks => Agents(peaks).Select(p => p.Value).DefaultIfEmpty(double.NaN).Max());
            Add(table, "agents, sum of 10", peaks => Agents(peaks).Select(p => p.Value).DefaultIfEmpty(double.NaN).Sum());
        }
        Add(table, "orchestrator", peaks => Get(peaks, "orchestrator"));
        Add(table, "gateway", peaks => Get(peaks, "gateway"));
        if (_columns.Any(c => c.Peaks.ContainsKey("redis-server")))
        {
            Add(table, "redis-server", peaks => Get(peaks, "redis-server"));
        }
        return table;
    }

    private void Add(MarkdownTable table, string row, Func<IReadOnlyDictionary<string, double>, double> value) =>
        table.Row([row, .. _columns.Select(c => (object)MarkdownTable.Mib(value(c.Peaks)))]);

    private static IEnumerable<KeyValuePair<string, double>> Agents(IReadOnlyDictionary<string, double> peaks) =>
        peaks.Where(p => p.Key.StartsWith("agent-", StringComparison.Ordinal));

    private static double Get(IReadOnlyDictionary<string, double> peaks, string name) => peaks.GetValueOrDefault(name, double.NaN);
}
