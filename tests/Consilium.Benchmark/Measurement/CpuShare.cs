using System.Globalization;

namespace Consilium.Benchmark.Measurement;

/// <summary>
/// How the machine's CPU time was spent over an interval: by this benchmark's processes (the client, the services,
/// redis-server) and by everything else. From <c>/proc/stat</c> (all CPUs) and <c>/proc/&lt;pid&gt;/stat</c>
/// (<c>utime + stime</c>); the load average alone cannot tell the two apart, as it counts our own threads too.
/// </summary>
public sealed class CpuShare
{
    private readonly Func<IEnumerable<int>> _ours;
    private readonly (long Busy, long Total, long Ours) _start;

    private CpuShare(Func<IEnumerable<int>> ours)
    {
        _ours = ours;
        _start = Read(ours());
    }

    /// <summary>Starts measuring; <paramref name="ours"/> names the processes that count as the benchmark's.</summary>
    public static CpuShare Start(Func<IEnumerable<int>> ours) => new(ours);

    /// <summary>"ours 71 %, others 9 % of 2 cores" since the start (shares of all cores' time).</summary>
    public string Describe()
    {
        var (ours, others) = Shares();
        return double.IsNaN(ours)
            ? "CPU shares unknown"
            : $"this benchmark's processes used {ours * 100:0} % and other processes {others * 100:0} % of the {Environment.ProcessorCount} cores";
    }

    /// <summary>The shares (0..1 of all cores' time) used by our processes and by the others since the start.</summary>
    public (double Ours, double Others) Shares()
    {
        var end = Read(_ours());
        var total = end.Total - _start.Total;
        if (total <= 0 || _start.Total == 0)
        {
            return (double.NaN, double.NaN);
        }
        var ours = Math.Clamp((double)(end.Ours - _start.Ours) / total, 0, 1);
        var busy = (double)(end.Busy - _start.Busy) / total;
        return (ours, Math.Max(0, busy - ours));
    }

    private static (long Busy, long Total, long Ours) Read(IEnumerable<int> processes)
    {
        try
        {
            // cpu  user nice system idle iowait irq softirq steal guest guest_nice (guest time is already in user)
            var fields = File.ReadLines("/proc/stat").First().Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1)
                .Take(8).Select(f => long.Parse(f, CultureInfo.InvariantCulture)).ToArray();
            var idle = fields[3] + fields[4];
            var total = fields.Sum();
            return (total - idle, total, processes.Append(Environment.ProcessId).Distinct().Sum(ProcessTicks));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or FormatException)
        {
            return (0, 0, 0);
        }
    }

    /// <summary>A process's CPU time so far (<c>utime + stime</c>, in clock ticks); 0 when it cannot be read.</summary>
    public static long ProcessTicks(int processId)
    {
        try
        {
            var stat = File.ReadAllText($"/proc/{processId}/stat");
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            // After "pid (comm) ": state is field 3, so utime (14) and stime (15) are at 11 and 12.
            return long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException)
        {
            return 0;
        }
    }
}
