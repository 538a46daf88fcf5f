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
