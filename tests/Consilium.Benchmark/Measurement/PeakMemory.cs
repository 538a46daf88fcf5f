using System.Globalization;

namespace Consilium.Benchmark.Measurement;

/// <summary>
/// A process's peak resident memory from <c>/proc/&lt;pid&gt;/status</c> (<c>VmHWM</c>), which Linux lets the owner
/// reset to the current resident size by writing <c>5</c> to <c>/proc/&lt;pid&gt;/clear_refs</c>, so each scenario
/// reports its own peak rather than the peak since start.
/// </summary>
public static class PeakMemory
{
    /// <summary>Peak resident set in MiB since start or the last reset; NaN when unreadable (not Linux, process gone).</summary>
    public static double PeakMiB(int processId) => ReadKiB(processId, "VmHWM:") / 1024.0;

    /// <summary>Resident set now (<c>VmRSS</c>) in MiB; NaN when unreadable.</summary>
    public static double CurrentMiB(int processId) => ReadKiB(processId, "VmRSS:") / 1024.0;

    /// <summary>
    /// Proportional set size now (<c>Pss</c> of <c>/proc/&lt;pid&gt;/smaps_rollup</c>) in MiB: resident pages with each
    /// shared page divided among the processes that map it (the runtime's and framework's files, mapped by every service),
    /// so the PSS of several processes adds up to what they use together; NaN when unreadable.
    /// </summary>
    public static double ProportionalMiB(int processId)
    {
        try
        {
            foreach (var line in File.ReadLines($"/proc/{processId}/smaps_rollup"))
            {
                if (line.StartsWith("Pss:", StringComparison.Ordinal))
                {
                    return double.Parse(line[4..].Trim().Split(' ')[0], CultureInfo.InvariantCulture) / 1024.0;
                }
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
        }
        return double.NaN;
    }

    /// <summary>Resets the peak; false when the kernel refused (then the peak counts from the process's start).</summary>
    public static bool TryReset(int processId)
    {
        try
        {
            File.WriteAllText($"/proc/{processId}/clear_refs", "5");
            return true;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    private static double ReadKiB(int processId, string field)
    {
        try
        {
            foreach (var line in File.ReadLines($"/proc/{processId}/status"))
            {
                if (line.StartsWith(field, StringComparison.Ordinal))
                {
                    var value = line[field.Length..].Trim().Split(' ')[0];
                    return double.Parse(value, CultureInfo.InvariantCulture);
                }
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
        }
        return double.NaN;
    }
}
