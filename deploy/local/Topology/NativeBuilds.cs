namespace Consilium.Local.Topology;

/// <summary>
/// The Native AOT executables of the agent and the model simulator in one folder (<c>./run</c> publishes them to
/// <c>.consilium/native</c>; docs/benchmarks.md "Native AOT"), as <see cref="TopologyOptions.NativeExecutables"/>: the
/// ten agents then take half the memory and the topology carries more councils on the same cores.
/// </summary>
public static class NativeBuilds
{
    /// <summary>The services that have a Native AOT build, by entry assembly name.</summary>
    public static IReadOnlyList<string> Services { get; } = ["Consilium.Agent", "Consilium.ModelSimulator"];

    /// <summary>
    /// The executables in <paramref name="folder"/>, by the <c>.dll</c> they replace; throws
    /// <see cref="TopologyException"/> naming what is missing, so a half-published folder never runs half native.
    /// </summary>
    public static IReadOnlyDictionary<string, string> In(string folder)
    {
        var executables = Services.ToDictionary(service => service + ".dll", service => Path.GetFullPath(Path.Combine(folder, service)), StringComparer.Ordinal);
        var missing = executables.Values.Where(path => !File.Exists(path)).ToArray();
        return missing.Length == 0
            ? executables
            : throw new TopologyException(
                $"no Native AOT build at {string.Join(", ", missing)}. Publish them with deploy/local/publish-native {folder} " +
                "(clang and zlib1g-dev from Debian), or leave out --native to run every service on the JIT.");
    }
}
