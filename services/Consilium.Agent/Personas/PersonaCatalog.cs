using System.Collections.Frozen;
using System.Reflection;

namespace Consilium.Agent.Personas;

/// <summary>
/// The ten fingerprints, embedded in this assembly from <c>Personas/&lt;id&gt;.md</c>
/// (resource name <c>Consilium.Agent.Personas.&lt;id&gt;.md</c>, see the project file).
/// </summary>
public static class PersonaCatalog
{
    private const string Prefix = "Consilium.Agent.Personas.";
    private const string Suffix = ".md";

    private static readonly Lazy<FrozenDictionary<string, Persona>> Embedded = new(Load);

    /// <summary>The ids of every embedded fingerprint.</summary>
    public static IReadOnlyCollection<string> Ids => Embedded.Value.Keys;

    /// <summary>The persona for a seat, or <c>null</c> when its fingerprint is not embedded.</summary>
    public static Persona? Find(string id) => Embedded.Value.GetValueOrDefault(id);

    private static FrozenDictionary<string, Persona> Load()
    {
        var assembly = typeof(PersonaCatalog).Assembly;
        var personas = new Dictionary<string, Persona>(StringComparer.Ordinal);
        foreach (var name in assembly.GetManifestResourceNames())
        {
            if (name.StartsWith(Prefix, StringComparison.Ordinal) && name.EndsWith(Suffix, StringComparison.Ordinal))
            {
                var id = name[Prefix.Length..^Suffix.Length];
                personas[id] = new Persona(id, Read(assembly, name));
            }
        }
        return personas.ToFrozenDictionary(StringComparer.Ordinal);
    }

    private static string Read(Assembly assembly, string name)
    {
        using var stream = assembly.GetManifestResourceStream(name)!;
        using var reader = new StreamReader(stream, detectEncodingFromByteOrderMarks: true);
        return reader.ReadToEnd().Replace("\r\n", "\n", StringComparison.Ordinal);
    }
}
