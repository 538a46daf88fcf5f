using System.Diagnostics;
using Consilium.Local.Processes;

namespace Consilium.Testing;

/// <summary>
/// A built service started as its own process, as it is deployed, that is expected to stop by itself (a
/// misconfigured service exits at start-up): its exit code and what it wrote.
/// </summary>
public sealed record ServiceExit(int ExitCode, string StandardOutput, string StandardError)
{
    /// <summary>How long a service may take to exit before the run fails.</summary>
    public static readonly TimeSpan Within = TimeSpan.FromSeconds(30);

    /// <summary>
    /// Runs <paramref name="assembly"/> (e.g. <c>Consilium.Orchestrator.dll</c>, beside the test's own) on a free loopback
    /// port with <paramref name="environment"/> added to this process's (a null value removes a variable), and waits for
    /// it to exit. A service still running after <see cref="Within"/> is killed and the run throws.
    /// </summary>
    public static Task<ServiceExit> RunAsync(string assembly, IReadOnlyDictionary<string, string?> environment, CancellationToken cancellationToken) =>
        RunAsync(assembly, ["--urls", "http://127.0.0.1:0"], environment, cancellationToken);

    /// <summary>As above, with <paramref name="arguments"/> after the assembly (e.g. <c>--health-check</c>) instead of a free port.</summary>
    public static async Task<ServiceExit> RunAsync(
        string assembly, IReadOnlyList<string> arguments, IReadOnlyDictionary<string, string?> environment, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo(DotnetHost.Path)
        {
            ArgumentList = { Path.Combine(AppContext.BaseDirectory, assembly) },
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
            WorkingDirectory = AppContext.BaseDirectory,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }
        foreach (var (name, value) in environment)
        {
            if (value is null)
            {
                start.Environment.Remove(name);
            }
            else
            {
                start.Environment[name] = value;
            }
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {assembly} with '{start.FileName}'.");
        var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
        var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(Within);
        try
        {
            await process.WaitForExitAsync(deadline.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"{assembly} did not exit within {Within.TotalSeconds} s; it was killed.");
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
        }
        return new ServiceExit(process.ExitCode, await stdout.ConfigureAwait(false), await stderr.ConfigureAwait(false));
    }

    /// <summary>The non-blank lines of standard error, trimmed.</summary>
    public IReadOnlyList<string> ErrorLines =>
        StandardError.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
}
