namespace Consilium.Benchmark.Measurement;

/// <summary>
/// CPU time of single processes over an interval, from <c>/proc/&lt;pid&gt;/stat</c> (<c>utime + stime</c>, counted in
/// clock ticks of 1/<see cref="TicksPerSecond"/> s, so an interval needs thousands of deltas for a figure in µs per delta).
/// </summary>
public static class ProcessCpu
{
    /// <summary><c>sysconf(_SC_CLK_TCK)</c>, which is 100 on every Linux that .NET supports.</summary>
    public const double TicksPerSecond = 100;

    /// <summary>The summed CPU time of <paramref name="processIds"/> so far, in µs.</summary>
    public static double Microseconds(IEnumerable<int> processIds) =>
        processIds.Sum(CpuShare.ProcessTicks) * (1_000_000 / TicksPerSecond);
}
