using Consilium.Deploy.Tests.Support;

namespace Consilium.Deploy.Tests;

/// <summary>The deployables: every project under <c>services/</c>, and the image each one becomes.</summary>
public static class ServiceProjects
{
    /// <summary>Project name → image repository, as docker-compose.yml and deploy/k8s name them.</summary>
    public static IReadOnlyDictionary<string, string> Images { get; } = new Dictionary<string, string>(StringComparer.Ordinal)
    {
        ["Consilium.Gateway"] = "consilium/gateway",
        ["Consilium.Orchestrator"] = "consilium/orchestrator",
        ["Consilium.Agent"] = "consilium/agent",
        ["Consilium.ModelSimulator"] = "consilium/model-simulator",
    };

    /// <summary>The service project names found in the checkout (folders under services/ holding a same-named csproj).</summary>
    public static IReadOnlyList<string> InRepository =>
        [.. Directory.GetDirectories(Repository.PathOf("services"))
            .Select(Path.GetFileName)
            .OfType<string>()
            .Where(name => File.Exists(Repository.PathOf($"services/{name}/{name}.csproj")))
            .Order(StringComparer.Ordinal)];

    public static string ProjectFile(string project) => $"services/{project}/{project}.csproj";

    public static TheoryData<string> All() => [.. Images.Keys];
}
