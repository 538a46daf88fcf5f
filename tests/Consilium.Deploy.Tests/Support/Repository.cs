using Consilium.Local.Topology;

namespace Consilium.Deploy.Tests.Support;

/// <summary>The checkout under test: the deployment files are read from it, never from the build output.</summary>
public static class Repository
{
    public static string Root { get; } = RepositoryRoot.Find()
        ?? throw new InvalidOperationException(
            "The repository (the folder holding Consilium.sln) was not found above the test assembly or the working directory; run the tests from the checkout.");

    /// <summary>An absolute path from a repository-relative one written with '/'.</summary>
    public static string PathOf(string relative) => Path.GetFullPath(Path.Combine(Root, relative.Replace('/', Path.DirectorySeparatorChar)));

    /// <summary>A repository-relative path written with '/', as the Dockerfile and the tests name files.</summary>
    public static string Relative(string absolute) => Path.GetRelativePath(Root, absolute).Replace(Path.DirectorySeparatorChar, '/');

    public static string Read(string relative) => File.ReadAllText(PathOf(relative));
}
