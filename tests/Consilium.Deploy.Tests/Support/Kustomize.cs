using System.Collections.Concurrent;

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
        Rendered.GetOrAdd(kustomization, path => new Lazy<Task<Manifests>>(async () =>
            new Manifests(path, await RenderTextAsync(Repository.PathOf(path), path)))).Value;

    /// <summary>
    /// An overlay with optional components added, as an operator would add them to their own overlay: a scratch
    /// kustomization naming the overlay as its resource and the components (kustomize accepts relative paths only).
    /// </summary>
    public static Task<Manifests> RenderWithComponentsAsync(string overlay, params string[] components)
    {
        var name = $"{overlay} + {string.Join(" + ", components)}";
        return Rendered.GetOrAdd(name, _ => new Lazy<Task<Manifests>>(async () =>
        {
            var scratch = Directory.CreateTempSubdirectory("consilium-kustomize-").FullName;
            try
            {
                string Relative(string path) => Path.GetRelativePath(scratch, Repository.PathOf(path)).Replace('\\', '/');
                var text = "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - " + Relative(overlay)
                    + "\ncomponents:\n" + string.Concat(components.Select(component => $"  - {Relative(component)}\n"));
                await File.WriteAllTextAsync(Path.Combine(scratch, "kustomization.yaml"), text);
                return new Manifests(name, await RenderTextAsync(scratch, name));
            }
            finally
            {
                Directory.Delete(scratch, recursive: true);
            }
        })).Value;
    }

    /// <summary>The YAML stream <c>kubectl kustomize</c> prints for the folder.</summary>
    public static async Task<string> RenderTextAsync(string folder, string name)
    {
        var run = await ExternalTool.RunAsync(FindKubectl(), ["kustomize", folder], Deadline);
        return run.ExitCode == 0
            ? run.Output
            : throw new InvalidOperationException($"`kubectl kustomize {name}` failed (exit {run.ExitCode}):{Environment.NewLine}{run.Errors}");
    }

    private static string FindKubectl()
    {
        if (Environment.GetEnvironmentVariable(KubectlVariable) is { Length: > 0 } configured)
        {
            return File.Exists(configured)
                ? configured
                : throw new InvalidOperationException($"{KubectlVariable} is '{configured}', which does not exist.");
        }
        return ExternalTool.Find("kubectl") ?? throw new InvalidOperationException(Missing);
    }

    private const string Missing =
        "kubectl is not on PATH; these tests render deploy/k8s with `kubectl kustomize` (no cluster needed). "
        + "On this project's machines it is the Debian package `kubectl` from the Google Cloud SDK apt repository "
        + "(Debian's own archive has no kubectl): `apt-get install kubectl` with that repository enabled. "
        + "Any kubectl 1.27 or newer works; put it on PATH or set KUBECTL to its path.";
}
