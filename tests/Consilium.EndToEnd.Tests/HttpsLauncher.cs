using System.Globalization;
using System.Text.RegularExpressions;
using Consilium.Local.Processes;
using Consilium.Testing;

namespace Consilium.EndToEnd.Tests;

/// <summary>
/// <c>dotnet Consilium.Local.dll --https</c> from this bin folder, as <c>./run --https</c> runs it, until its ready line:
/// the URL, key and certificate it printed.
/// </summary>
public sealed partial class HttpsLauncher : IAsyncDisposable
{
    private static readonly TimeSpan ReadyDeadline = TimeSpan.FromSeconds(120);

    private HttpsLauncher(ServiceProcess process, Uri url, string key, string certificatePath)
    {
        Process = process;
        Url = url;
        Key = key;
        CertificatePath = certificatePath;
    }

    public ServiceProcess Process { get; }

    public Uri Url { get; }

    public string Key { get; }

    public string CertificatePath { get; }

    public static async Task<HttpsLauncher> StartAsync(IReadOnlyDictionary<string, string?> environment, CancellationToken cancellationToken)
    {
        var launcher = Path.Combine(AppContext.BaseDirectory, "Consilium.Local.dll");
        Assert.True(File.Exists(launcher), $"{launcher} is missing: build this test project (it references deploy/local).");
        var settings = new Dictionary<string, string?>(ProcessTopology.TestDefaults)
        {
            ["CONSILIUM_PORT"] = Ports.GetFree().ToString(CultureInfo.InvariantCulture),
            ["CONSILIUM_TLS_CERT"] = null,
            ["CONSILIUM_TLS_KEY"] = null,
        };
        foreach (var (name, value) in environment)
        {
            settings[name] = value;
        }
        var process = ServiceProcess.Start("launcher", DotnetHost.Path, [launcher, "--https"], settings);
        try
        {
            var ready = await process.WaitForLineAsync(line => line.StartsWith("Consilium ready: ", StringComparison.Ordinal), cancellationToken)
                .WaitAsync(ReadyDeadline, cancellationToken);
            var match = ReadyLine().Match(ready);
            Assert.True(match.Success, $"Unexpected ready line: '{ready}'\n{process.Log}");
            var certificate = await process.WaitForLineAsync(line => line.StartsWith("Consilium certificate: ", StringComparison.Ordinal), cancellationToken)
                .WaitAsync(TimeSpan.FromSeconds(10), cancellationToken);
            return new HttpsLauncher(process, new Uri(match.Groups["url"].Value), match.Groups["key"].Value, certificate["Consilium certificate: ".Length..]);
        }
        catch
        {
            await process.DisposeAsync();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await Process.StopAsync(TimeSpan.FromSeconds(20));
        await Process.DisposeAsync();
    }

    /// <summary>The contract's ready line, with https.</summary>
    [GeneratedRegex(@"^Consilium ready: (?<url>https://127\.0\.0\.1:\d+/) key: (?<key>\S+)$")]
    private static partial Regex ReadyLine();
}
