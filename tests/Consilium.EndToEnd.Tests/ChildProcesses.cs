using System.Globalization;

namespace Consilium.EndToEnd.Tests;

/// <summary>Finding processes through Linux's <c>/proc</c> (.NET has no parent-process API).</summary>
internal static class ChildProcesses
{
    /// <summary>The variable a test gives the launcher; every process it starts inherits it.</summary>
    public const string MarkerVariable = "CONSILIUM_E2E_RUN";

    /// <summary>The living children of <paramref name="parentId"/>.</summary>
    public static IReadOnlyList<int> Of(int parentId) =>
        [.. Living().Where(id => Stat(id) is { } stat && stat.ParentId == parentId)];

    /// <summary>Living processes whose environment holds <see cref="MarkerVariable"/>=<paramref name="marker"/>.</summary>
    public static IReadOnlyList<int> Marked(string marker)
    {
        var entry = $"{MarkerVariable}={marker}";
        return [.. Living().Where(id => Environment(id).Contains(entry))];
    }

    /// <summary>The living child of <paramref name="parentId"/> whose environment holds <paramref name="entry"/> (<c>NAME=value</c>).</summary>
    public static int? ChildWith(int parentId, string entry) =>
        Of(parentId).Cast<int?>().FirstOrDefault(id => Environment(id!.Value).Contains(entry));

    /// <summary>The living child of <paramref name="parentId"/> whose command line mentions <paramref name="text"/> (an entry assembly).</summary>
    public static int? ChildRunning(int parentId, string text) =>
        Of(parentId).Cast<int?>().FirstOrDefault(id => Read($"/proc/{id}/cmdline")?.Contains(text, StringComparison.Ordinal) == true);

    /// <summary>Sends a signal by name (<c>KILL</c>, <c>TERM</c>, <c>STOP</c>, <c>CONT</c>) with kill(1).</summary>
    public static void Signal(int processId, string signal)
    {
        using var kill = System.Diagnostics.Process.Start("kill", ["-" + signal, processId.ToString(CultureInfo.InvariantCulture)]);
        kill.WaitForExit();
        Assert.True(kill.ExitCode == 0, $"kill -{signal} {processId} failed with {kill.ExitCode}.");
    }

    private static IEnumerable<int> Living()
    {
        Assert.True(Directory.Exists("/proc"), "This test reads /proc to find the launcher's processes; run it on Linux.");
        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            if (int.TryParse(Path.GetFileName(directory), out var id) && Stat(id) is { State: not 'Z' })
            {
                yield return id;
            }
        }
    }

    private static (int ParentId, char State)? Stat(int id) =>
        Read($"/proc/{id}/stat") is { } text && text[(text.LastIndexOf(')') + 2)..].Split(' ') is var fields
            ? (int.Parse(fields[1], CultureInfo.InvariantCulture), fields[0][0]) // "pid (comm) state ppid ..."
            : null;

    private static string[] Environment(int id) => Read($"/proc/{id}/environ")?.Split('\0') ?? [];

    private static string? Read(string path)
    {
        try
        {
            return File.ReadAllText(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null; // gone, or not ours
        }
    }
}
