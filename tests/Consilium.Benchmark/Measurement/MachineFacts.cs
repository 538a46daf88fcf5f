using System.Globalization;
using System.Runtime.InteropServices;

namespace Consilium.Benchmark.Measurement;

/// <summary>What the figures were measured on, and how busy the machine was.</summary>
public static class MachineFacts
{
    public static string Cpu() =>
        ReadLines("/proc/cpuinfo").FirstOrDefault(line => line.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim()
        ?? RuntimeInformation.ProcessArchitecture.ToString();

    public static string MemoryGiB()
    {
        var total = ReadLines("/proc/meminfo").FirstOrDefault(line => line.StartsWith("MemTotal:", StringComparison.Ordinal));
        return total is not null && double.TryParse(total["MemTotal:".Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture, out var kib)
            ? $"{kib / 1024 / 1024:0.0} GiB"
            : "unknown";
    }

    /// <summary>The 1-, 5- and 15-minute load averages, e.g. "3.10 2.50 2.00".</summary>
    public static string LoadAverage() =>
        ReadLines("/proc/loadavg").FirstOrDefault() is { } line ? string.Join(' ', line.Split(' ').Take(3)) : "unknown";

    public static string Describe() =>
        $"{Environment.ProcessorCount} logical cores ({Cpu()}), {MemoryGiB()} memory, {RuntimeInformation.OSDescription}, " +
        $"{RuntimeInformation.FrameworkDescription}";

    private static IEnumerable<string> ReadLines(string path)
    {
        try
        {
            return File.ReadAllLines(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return [];
        }
    }
}
