namespace Consilium.Local.Topology;

/// <summary>
/// The published builds <c>./run</c> runs, in one folder (<c>deploy/local/publish-native</c> makes them in
/// <c>.consilium/native</c>; docs/benchmarks.md "Native AOT"), as <see cref="TopologyOptions.NativeExecutables"/>: the
/// Native AOT executables of the agent and the model simulator (the ten agents take half the memory and the topology
/// carries more councils on the same cores) and the ReadyToRun builds of the orchestrator and the gateway, as their
/// images ship them (their first council after ready comes sooner).
/// </summary>
public static class NativeBuilds
{
    /// <summary>The services that have a Native AOT build, by entry assembly name.</summary>
    public static IReadOnlyList<string> Services { get; } = ["Consilium.Agent", "Consilium.ModelSimulator"];

    /// <summary>The services that run their ReadyToRun build (<c>DIR/&lt;Service&gt;/&lt;Service&gt;.dll</c>), by entry assembly name.</summary>
    public static IReadOnlyList<string> ReadyToRunServices { get; } = ["Consilium.Orchestrator", "Consilium.Gateway"];

    /// <summary>
    /// The builds in <paramref name="folder"/>, by the <c>.dll</c> they replace (an executable, or a published
    /// <c>.dll</c> that <see cref="RunningTopology"/> runs with <c>dotnet</c>); throws <see cref="TopologyException"/>
    /// naming what is missing, so a half-published folder never runs half of it.
    /// </summary>
    public static IReadOnlyDictionary<string, string> In(string folder)
    {
        var builds = Services.Select(service => (service, Path.Combine(folder, service)))
            .Concat(ReadyToRunServices.Select(service => (service, Path.Combine(folder, service, service + ".dll"))))
            .ToDictionary(pair => pair.service + ".dll", pair => Path.GetFullPath(pair.Item2), StringComparer.Ordinal);
        var missing = builds.Values.Where(path => !File.Exists(path)).ToArray();
        return missing.Length == 0
            ? builds
            : throw new TopologyException(
                $"no published build at {string.Join(", ", missing)}. Publish them with deploy/local/publish-native {folder} " +
                "(clang and zlib1g-dev from Debian), or leave out --native to run every service on the JIT.");
    }
}
