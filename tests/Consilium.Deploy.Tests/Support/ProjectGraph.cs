using System.Xml.Linq;

namespace Consilium.Deploy.Tests.Support;

/// <summary>ProjectReference closures, read from the project files themselves.</summary>
public static class ProjectGraph
{
    /// <summary>The project and every project it references, directly or not, as repository-relative paths.</summary>
    public static IReadOnlySet<string> Closure(string project)
    {
        var seen = new SortedSet<string>(StringComparer.Ordinal);
        var pending = new Stack<string>([Repository.PathOf(project)]);
        while (pending.TryPop(out var path))
        {
            if (!File.Exists(path))
            {
                throw new Xunit.Sdk.XunitException($"{Repository.Relative(path)} is referenced but does not exist.");
            }
            if (!seen.Add(Repository.Relative(path)))
            {
                continue;
            }
            var directory = System.IO.Path.GetDirectoryName(path)!;
            foreach (var reference in XDocument.Load(path).Descendants().Where(element => element.Name.LocalName == "ProjectReference"))
            {
                var include = reference.Attribute("Include")?.Value
                    ?? throw new Xunit.Sdk.XunitException($"A ProjectReference in {Repository.Relative(path)} has no Include.");
                pending.Push(System.IO.Path.GetFullPath(System.IO.Path.Combine(directory, include.Replace('\\', '/'))));
            }
        }
        return seen;
    }

    /// <summary>
    /// The MSBuild and NuGet files restore reads for <paramref name="project"/> besides project files: every
    /// Directory.Build.props/.targets, Directory.Packages.props, global.json and NuGet.config from its folder up to the
    /// repository root.
    /// </summary>
    public static IReadOnlySet<string> RestoreInputs(string project)
    {
        string[] names = ["Directory.Build.props", "Directory.Build.targets", "Directory.Packages.props", "global.json", "NuGet.config", "nuget.config"];
        var inputs = new SortedSet<string>(StringComparer.Ordinal);
        for (var directory = new DirectoryInfo(System.IO.Path.GetDirectoryName(Repository.PathOf(project))!);
             directory is not null && directory.FullName.StartsWith(Repository.Root, StringComparison.Ordinal);
             directory = directory.Parent)
        {
            foreach (var name in names.Where(name => File.Exists(System.IO.Path.Combine(directory.FullName, name))))
            {
                inputs.Add(Repository.Relative(System.IO.Path.Combine(directory.FullName, name)));
            }
        }
        return inputs;
    }
}
