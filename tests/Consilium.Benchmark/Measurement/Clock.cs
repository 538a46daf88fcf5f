using System.Diagnostics;

namespace Consilium.Benchmark.Measurement;

/// <summary>Monotonic timestamps (<see cref="Stopwatch.GetTimestamp"/>) and the milliseconds between them.</summary>
public static class Clock
{
    public static long Now() => Stopwatch.GetTimestamp();

    public static double Ms(long from, long to) => (to - from) * 1000.0 / Stopwatch.Frequency;

    public static double MsSince(long from) => Ms(from, Now());
}
