using System.Text.RegularExpressions;

namespace Consilium.Deploy.Tests.Support;

/// <summary>
/// The environment variable names the services' own code reads: every upper-case string literal in
/// <c>services/</c> and <c>shared/</c>. A deployment file that sets a name outside this set (a typo, a renamed
/// variable) configures nothing, silently.
/// </summary>
public static partial class ServiceVariables
{
    private static readonly Lazy<IReadOnlySet<string>> Names = new(Collect);

    /// <summary>Whether a service reads <paramref name="name"/>, or the .NET host does (DOTNET_*, ASPNETCORE_*).</summary>
    public static bool IsRead(string name) =>
        name.StartsWith("DOTNET_", StringComparison.Ordinal)
        || name.StartsWith("ASPNETCORE_", StringComparison.Ordinal)
        || Names.Value.Contains(name)
        // INTERNAL_KEY_<AGENTID> is read as "INTERNAL_KEY_" + id.
        || Names.Value.Any(prefix => prefix.EndsWith('_') && name.StartsWith(prefix, StringComparison.Ordinal));

    private static IReadOnlySet<string> Collect()
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var folder in new[] { "services", "shared" })
        {
            foreach (var file in Directory.EnumerateFiles(Repository.PathOf(folder), "*.cs", SearchOption.AllDirectories))
            {
                var relative = Repository.Relative(file);
                if (relative.Contains("/bin/", StringComparison.Ordinal) || relative.Contains("/obj/", StringComparison.Ordinal))
                {
                    continue;
                }
                foreach (Match match in Literal().Matches(File.ReadAllText(file)))
                {
                    names.Add(match.Groups["name"].Value);
                }
            }
        }
        return names;
    }

    [GeneratedRegex("\"(?<name>[A-Z][A-Z0-9]*(?:_[A-Z0-9]*)+)\"")]
    private static partial Regex Literal();
}
