using System.Globalization;

namespace Consilium.Local.Processes;

/// <summary>
/// Which process listens on a TCP port, from Linux's <c>/proc</c>: a health probe's 200 only counts when the service
/// it started owns the port, not another process that took the port first (its own service then fails to bind).
/// </summary>
public static class ListeningSockets
{
    private const string ListenState = "0A";

    /// <summary>
    /// True when process <paramref name="processId"/> holds a listening TCP socket on <paramref name="port"/>; false
    /// when nothing or another process listens there, or the process has exited; null when this system cannot tell
    /// (no <c>/proc</c>, e.g. macOS).
    /// </summary>
    public static bool? IsOwnedBy(int processId, int port)
    {
        var tables = new[] { "/proc/net/tcp", "/proc/net/tcp6" }.Where(File.Exists).ToArray();
        if (tables.Length == 0)
        {
            return null;
        }
        var listening = tables.SelectMany(Listeners).Where(socket => socket.Port == port).Select(socket => socket.Inode).ToHashSet();
        if (listening.Count == 0)
        {
            return false;
        }
        try
        {
            foreach (var descriptor in Directory.EnumerateFileSystemEntries($"/proc/{processId}/fd"))
            {
                // A socket's descriptor links to "socket:[<inode>]".
                if (new FileInfo(descriptor).LinkTarget is { } target && target.StartsWith("socket:[", StringComparison.Ordinal)
                    && long.TryParse(target.AsSpan(8, target.Length - 9), NumberStyles.None, CultureInfo.InvariantCulture, out var inode)
                    && listening.Contains(inode))
                {
                    return true;
                }
            }
            return false;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // The process has exited (a zombie's descriptors cannot be read) or is not ours: it does not own the port.
            return false;
        }
    }

    /// <summary>The listening sockets of one <c>/proc/net/tcp*</c> table: "sl local rem st … uid timeout inode".</summary>
    private static IEnumerable<(int Port, long Inode)> Listeners(string table)
    {
        string[] lines;
        try
        {
            lines = File.ReadAllLines(table);
        }
        catch (IOException)
        {
            yield break;
        }
        foreach (var line in lines.Skip(1))
        {
            var fields = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length < 10 || fields[3] != ListenState)
            {
                continue;
            }
            var local = fields[1];
            if (int.TryParse(local.AsSpan(local.LastIndexOf(':') + 1), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var port)
                && long.TryParse(fields[9], NumberStyles.None, CultureInfo.InvariantCulture, out var inode))
            {
                yield return (port, inode);
            }
        }
    }
}
