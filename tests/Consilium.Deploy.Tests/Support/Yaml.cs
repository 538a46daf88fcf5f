using System.Globalization;
using System.Text.Json.Nodes;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Consilium.Deploy.Tests.Support;

/// <summary>
/// YAML (one or many documents) as <see cref="JsonNode"/> trees, which are easy to walk in assertions. Anchors and
/// aliases are resolved and merge keys (<c>&lt;&lt;: *anchor</c>) applied, with explicit keys winning, as Compose
/// and Kubernetes read them. Plain scalars become null, booleans and integers where YAML would type them; quoted
/// ones stay strings.
/// </summary>
public static class Yaml
{
    private const string MergeKey = "<<";

    public static IReadOnlyList<JsonObject> LoadDocuments(string text)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(text));
        return [.. stream.Documents
            .Where(document => document.RootNode is not YamlScalarNode { Value: null or "" })
            .Select(document => ToJson(document.RootNode) as JsonObject
                ?? throw new FormatException($"A YAML document at {document.RootNode.Start} is not a mapping."))];
    }

    public static JsonObject LoadDocument(string text) => LoadDocuments(text) switch
    {
        [var single] => single,
        var documents => throw new FormatException($"Expected one YAML document, found {documents.Count}."),
    };

    /// <summary>A list of strings, a mapping's keys (Compose allows both for networks), or one string.</summary>
    public static IReadOnlyList<string> Strings(JsonNode? node) =>
        node switch
        {
            null => [],
            JsonArray list => [.. list.Select(item => item!.ToString())],
            JsonObject mapping => [.. mapping.Select(pair => pair.Key)],
            _ => [node.ToString()],
        };

    private static JsonNode? ToJson(YamlNode node) => node switch
    {
        YamlMappingNode mapping => ToJson(mapping),
        YamlSequenceNode sequence => new JsonArray([.. sequence.Children.Select(ToJson)]),
        YamlScalarNode scalar => ToJson(scalar),
        _ => throw new FormatException($"Unexpected YAML node {node.NodeType} at {node.Start}."),
    };

    private static JsonObject ToJson(YamlMappingNode mapping)
    {
        var result = new JsonObject();
        // Merged mappings first (earlier ones win over later ones), then the mapping's own keys over them.
        if (mapping.Children.TryGetValue(new YamlScalarNode(MergeKey), out var merged))
        {
            var sources = merged is YamlSequenceNode list ? list.Children.Reverse() : [merged];
            foreach (var source in sources)
            {
                var fields = ToJson(source) as JsonObject
                    ?? throw new FormatException($"A merge key at {merged.Start} must name a mapping.");
                foreach (var (key, value) in fields)
                {
                    result[key] = value?.DeepClone();
                }
            }
        }
        foreach (var (key, value) in mapping.Children)
        {
            var name = ((YamlScalarNode)key).Value ?? "";
            if (name != MergeKey)
            {
                result[name] = ToJson(value);
            }
        }
        return result;
    }

    private static JsonNode? ToJson(YamlScalarNode scalar)
    {
        var value = scalar.Value ?? "";
        if (scalar.Style is not ScalarStyle.Plain)
        {
            return JsonValue.Create(value);
        }
        return value switch
        {
            "" or "~" or "null" or "Null" or "NULL" => null,
            "true" or "True" or "TRUE" => JsonValue.Create(true),
            "false" or "False" or "FALSE" => JsonValue.Create(false),
            _ when long.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var number) => JsonValue.Create(number),
            _ => JsonValue.Create(value),
        };
    }
}
