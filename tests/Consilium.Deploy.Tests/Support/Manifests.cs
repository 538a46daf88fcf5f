using System.Text.Json.Nodes;

namespace Consilium.Deploy.Tests.Support;

/// <summary>The objects one kustomization renders, with the lookups the tests need.</summary>
public sealed class Manifests(string kustomization, string text)
{
    public string Kustomization { get; } = kustomization;

    /// <summary>The YAML stream as <c>kubectl kustomize</c> printed it.</summary>
    public string Text { get; } = text;

    public IReadOnlyList<JsonObject> All { get; } = Yaml.LoadDocuments(text);

    public IEnumerable<JsonObject> OfKind(string kind) => All.Where(item => Kind(item) == kind);

    public IReadOnlyList<JsonObject> Deployments => [.. OfKind("Deployment")];

    public JsonObject Single(string kind, string name) =>
        OfKind(kind).SingleOrDefault(item => Name(item) == name)
        ?? throw new Xunit.Sdk.XunitException($"{Kustomization} renders no {kind} named '{name}'.");

    public JsonObject? Find(string kind, string name) => OfKind(kind).SingleOrDefault(item => Name(item) == name);

    /// <summary>The rendered ConfigMap <c>consilium-config</c> (its name carries the generator's hash suffix).</summary>
    public JsonObject Config => OfKind("ConfigMap").Single(map => Name(map).StartsWith("consilium-config", StringComparison.Ordinal));

    public string ConfigValue(string key) =>
        Config["data"]?[key]?.GetValue<string>() ?? throw new Xunit.Sdk.XunitException($"consilium-config has no {key}.");

    public static string Kind(JsonObject item) => item["kind"]!.GetValue<string>();

    public static string Name(JsonObject item) => item["metadata"]!["name"]!.GetValue<string>();

    public static JsonObject PodSpec(JsonObject deployment) => deployment["spec"]!["template"]!["spec"]!.AsObject();

    public static IReadOnlyDictionary<string, string> PodLabels(JsonObject deployment) =>
        Labels(deployment["spec"]!["template"]!["metadata"]!["labels"]);

    public static IEnumerable<JsonObject> Containers(JsonObject deployment) =>
        PodSpec(deployment)["containers"]!.AsArray().Select(container => container!.AsObject());

    public static IReadOnlyDictionary<string, string> Labels(JsonNode? labels) =>
        labels?.AsObject().ToDictionary(pair => pair.Key, pair => pair.Value!.ToString(), StringComparer.Ordinal)
        ?? new Dictionary<string, string>();

    /// <summary>A label selector's <c>matchLabels</c> (the only form these manifests use) against a pod's labels.</summary>
    public static bool Selects(JsonNode? selector, IReadOnlyDictionary<string, string> labels)
    {
        if (selector?["matchExpressions"] is not null)
        {
            throw new NotSupportedException("matchExpressions are not used in deploy/k8s; extend Selects if they are.");
        }
        return Labels(selector?["matchLabels"]).All(pair => labels.TryGetValue(pair.Key, out var value) && value == pair.Value);
    }

    /// <summary>A Service's selector (a plain label map) against a Deployment's pod labels; no selector selects nothing.</summary>
    public static bool ServiceSelects(JsonObject service, JsonObject deployment)
    {
        var selector = Labels(service["spec"]?["selector"]);
        var labels = PodLabels(deployment);
        return selector.Count > 0 && selector.All(pair => labels.TryGetValue(pair.Key, out var value) && value == pair.Value);
    }

    /// <summary>The container's environment as name → the variable's entry (<c>value</c> or <c>valueFrom</c>).</summary>
    public static IReadOnlyDictionary<string, JsonObject> Environment(JsonObject container) =>
        (container["env"]?.AsArray() ?? [])
            .Select(entry => entry!.AsObject())
            .ToDictionary(entry => entry["name"]!.GetValue<string>(), StringComparer.Ordinal);
}
