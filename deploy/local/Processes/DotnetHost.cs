namespace Consilium.Local.Processes;

/// <summary>The <c>dotnet</c> host that runs a service's entry assembly (<c>dotnet Consilium.X.dll</c>).</summary>
public static class DotnetHost
{
    /// <summary>
    /// The host this process runs under when it is <c>dotnet</c> itself, else the one the .NET CLI names in
    /// <c>DOTNET_HOST_PATH</c> (set for <c>dotnet run</c> and <c>dotnet test</c>), else <c>dotnet</c> from PATH.
    /// </summary>
    public static string Path { get; } = Find();

    private static string Find()
    {
        var current = Environment.ProcessPath;
        if (current is not null && System.IO.Path.GetFileNameWithoutExtension(current) == "dotnet")
        {
            return current;
        }
        var cli = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH");
        return !string.IsNullOrEmpty(cli) && File.Exists(cli) ? cli : "dotnet";
    }
}
