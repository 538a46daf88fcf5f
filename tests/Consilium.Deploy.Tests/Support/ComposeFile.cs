using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Consilium.Deploy.Tests.Support;

/// <summary>
/// <c>docker-compose.yml</c> as Compose reads it (anchors resolved, merge keys applied), read without an engine:
/// <c>docker compose config</c> needs the compose plugin, which this machine's Docker client lacks.
/// </summary>
public sealed partial class ComposeFile
{
    public const string Path = "docker-compose.yml";

    /// <summary>The HTTPS variant, merged over <see cref="Path"/> (<c>docker compose -f docker-compose.yml -f docker-compose.tls.yml</c>).</summary>
    public const string TlsPath = "docker-compose.tls.yml";

    private ComposeFile(JsonObject root) => Root = root;

    public static ComposeFile Instance { get; } = new(Yaml.LoadDocument(Repository.Read(Path)));

    public JsonObject Root { get; }

    /// <summary>
    /// The files merged and interpolated as Compose v2 does it, by deploy/checks/validate-compose.mjs (the same code
    /// CI runs), with <paramref name="environment"/> as the shell's variables.
    /// </summary>
    public static async Task<ComposeFile> MergedAsync(IReadOnlyDictionary<string, string?> environment, params string[] files)
    {
        var run = await NodeChecks.RunAsync("validate-compose.mjs", [.. files.Select(Repository.PathOf), "--print"], environment: environment);
        return run.ExitCode == 0 ? new ComposeFile(Yaml.LoadDocument(run.Output)) : throw new Xunit.Sdk.XunitException(run.ToString());
    }

    public IReadOnlyDictionary<string, JsonObject> Services =>
        Root["services"]!.AsObject().ToDictionary(pair => pair.Key, pair => pair.Value!.AsObject(), StringComparer.Ordinal);

    /// <summary>A service's environment (mapping form), values as written, before interpolation.</summary>
    public static IReadOnlyDictionary<string, string?> Environment(JsonObject service) =>
        service["environment"] switch
        {
            null => new Dictionary<string, string?>(),
            JsonObject mapping => mapping.ToDictionary(pair => pair.Key, pair => pair.Value?.ToString(), StringComparer.Ordinal),
            var other => throw new Xunit.Sdk.XunitException($"environment is written as a mapping in {Path}, not as {other.GetValueKind()}."),
        };

    /// <summary>
    /// Compose's interpolation of <c>${NAME}</c>, <c>${NAME:-default}</c>, <c>${NAME-default}</c> and
    /// <c>${NAME:?error}</c>, with every variable unset unless given: what a fresh shell gets.
    /// </summary>
    public static string Interpolate(string text, IReadOnlyDictionary<string, string>? variables = null) =>
        Reference().Replace(text, match =>
        {
            var name = match.Groups["name"].Value;
            var set = variables is not null && variables.TryGetValue(name, out var value) ? value : null;
            return match.Groups["operator"].Value switch
            {
                ":-" => string.IsNullOrEmpty(set) ? match.Groups["word"].Value : set,
                "-" => set ?? match.Groups["word"].Value,
                ":?" or "?" => set ?? throw new InvalidOperationException($"{name} is required: {match.Groups["word"].Value}"),
                _ => set ?? "",
            };
        });

    [GeneratedRegex(@"\$\{(?<name>[A-Za-z_][A-Za-z0-9_]*)(?:(?<operator>:?[-?])(?<word>[^}]*))?\}")]
    public static partial Regex Reference();
}
