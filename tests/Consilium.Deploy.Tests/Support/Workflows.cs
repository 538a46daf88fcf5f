using System.Text.Json.Nodes;

namespace Consilium.Deploy.Tests.Support;

/// <summary>The GitHub Actions workflows in <c>.github/workflows</c>, read as YAML.</summary>
public static class Workflows
{
    public const string Folder = ".github/workflows";

    public static IReadOnlyList<string> Files { get; } =
        [.. Directory.GetFiles(Repository.PathOf(Folder)).Where(file => file.EndsWith(".yml", StringComparison.Ordinal) || file.EndsWith(".yaml", StringComparison.Ordinal))
            .Select(Repository.Relative).Order(StringComparer.Ordinal)];

    public static JsonObject Load(string name) => Yaml.LoadDocument(Repository.Read($"{Folder}/{name}"));

    public static IReadOnlyDictionary<string, JsonObject> Jobs(JsonObject workflow) =>
        workflow["jobs"]!.AsObject().ToDictionary(job => job.Key, job => job.Value!.AsObject(), StringComparer.Ordinal);

    public static IEnumerable<JsonObject> Steps(JsonObject job) =>
        (job["steps"]?.AsArray() ?? []).Select(step => step!.AsObject());

    /// <summary>The step that uses <paramref name="action"/> (owner/name, any ref).</summary>
    public static JsonObject Uses(JsonObject job, string action) =>
        Steps(job).SingleOrDefault(step => step["uses"]?.ToString().StartsWith(action + "@", StringComparison.Ordinal) == true)
        ?? throw new Xunit.Sdk.XunitException($"No step uses {action}.");
}
