using System.Collections.Concurrent;
using System.Diagnostics;

namespace Consilium.Deploy.Tests.Support;

/// <summary>
/// Renders a kustomization under <c>deploy/k8s</c> with <c>kubectl kustomize</c> (kustomize is built into kubectl),
/// once per test run and path.
/// </summary>
public static class Kustomize
{
    /// <summary>Set to use a kubectl that is not on PATH.</summary>
    public const string KubectlVariable = "KUBECTL";

    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);
    private static readonly ConcurrentDictionary<string, Lazy<Task<Manifests>>> Rendered = new(StringComparer.Ordinal);

    public static Task<Manifests> RenderAsync(string kustomization) =>
        Rendered.GetOrAdd(kustomization, path => new Lazy<Task<Manifests>>(() => RunAsync(path))).Value;

    private static async Task<Manifests> RunAsync(string kustomization)
    {
        var kubectl = FindKubectl();
        var start = new ProcessStartInfo(kubectl)
        {
            ArgumentList = { "kustomize", Repository.PathOf(kustomization) },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {kubectl}.");
        using var timeout = new CancellationTokenSource(Deadline);
        var output = process.StandardOutput.ReadToEndAsync(timeout.Token);
        var errors = process.StandardError.ReadToEndAsync(timeout.Token);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"`kubectl kustomize {kustomization}` did not finish within {Deadline.TotalSeconds:0} s.");
        }
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException(
                $"`kubectl kustomize {kustomization}` failed (exit {process.ExitCode}):{Environment.NewLine}{await errors}");
        }
        return new Manifests(kustomization, Yaml.LoadDocuments(await output));
    }

    private static string FindKubectl()
    {
        if (Environment.GetEnvironmentVariable(KubectlVariable) is { Length: > 0 } configured)
        {
            return File.Exists(configured)
                ? configured
                : throw new InvalidOperationException($"{KubectlVariable} is '{configured}', which does not exist.");
        }
        var onPath = (Environment.GetEnvironmentVariable("PATH") ?? "")
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(directory => Path.Combine(directory, OperatingSystem.IsWindows() ? "kubectl.exe" : "kubectl"))
            .FirstOrDefault(File.Exists);
        return onPath ?? throw new InvalidOperationException(Missing);
    }

    private const string Missing =
        "kubectl is not on PATH; these tests render deploy/k8s with `kubectl kustomize` (no cluster needed). "
        + "On this project's machines it is the Debian package `kubectl` from the Google Cloud SDK apt repository "
        + "(Debian's own archive has no kubectl): `apt-get install kubectl` with that repository enabled. "
        + "Any kubectl 1.27 or newer works; put it on PATH or set KUBECTL to its path.";
}
