using System.Reflection;

namespace Consilium.Local.Topology;

/// <summary>The checkout this launcher was built from: the folder holding <c>Consilium.sln</c>.</summary>
public static class RepositoryRoot
{
    private const string Marker = "Consilium.sln";

    /// <summary>
    /// Walks up from the launcher's folder, then from the working directory; falls back to the folder recorded at
    /// build time (bin folders may live elsewhere, e.g. under <c>--artifacts-path</c>). Null when none holds the solution.
    /// </summary>
    public static string? Find()
    {
        var built = typeof(RepositoryRoot).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .FirstOrDefault(attribute => attribute.Key == "RepoRoot")?.Value;
        return WalkUp(AppContext.BaseDirectory) ?? WalkUp(Environment.CurrentDirectory) ?? WalkUp(built);
    }

    /// <summary>The gateway's project folder, whose <c>wwwroot</c> holds the web page; null outside a checkout.</summary>
    public static string? GatewayContentRoot() =>
        Find() is { } root && Path.Combine(root, "services", "Consilium.Gateway") is var gateway && Directory.Exists(gateway)
            ? gateway
            : null;

    private static string? WalkUp(string? start)
    {
        for (var directory = string.IsNullOrEmpty(start) ? null : new DirectoryInfo(start); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, Marker)))
            {
                return directory.FullName;
            }
        }
        return null;
    }
}
