using System.Diagnostics;

namespace Consilium.Deploy.Tests.Support;

/// <summary>What a tool printed and how it exited.</summary>
public sealed record ToolRun(string Command, int ExitCode, string Output, string Errors)
{
    /// <summary>Both streams, for an assertion message.</summary>
    public override string ToString() => $"`{Command}` exited {ExitCode}:{Environment.NewLine}{Output}{Errors}";
}

/// <summary>Runs a command-line tool the checks need (kubectl, node, npm) to completion, within a deadline.</summary>
public static class ExternalTool
{
    /// <summary>The executable <paramref name="name"/> on PATH, or null.</summary>
    public static string? Find(string name) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "")
            .Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)
            .Select(directory => Path.Combine(directory, OperatingSystem.IsWindows() ? name + ".exe" : name))
            .FirstOrDefault(File.Exists);

    public static async Task<ToolRun> RunAsync(
        string fileName,
        IEnumerable<string> arguments,
        TimeSpan deadline,
        string? input = null,
        string? workingDirectory = null,
        IReadOnlyDictionary<string, string?>? environment = null)
    {
        var start = new ProcessStartInfo(fileName)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? Repository.Root,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }
        foreach (var (name, value) in environment ?? new Dictionary<string, string?>())
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
        var command = string.Join(' ', [Path.GetFileName(fileName), .. start.ArgumentList]);

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {fileName}.");
        using var timeout = new CancellationTokenSource(deadline);
        var output = process.StandardOutput.ReadToEndAsync(timeout.Token);
        var errors = process.StandardError.ReadToEndAsync(timeout.Token);
        try
        {
            if (input is not null)
            {
                await process.StandardInput.WriteAsync(input.AsMemory(), timeout.Token);
            }
            process.StandardInput.Close();
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"`{command}` did not finish within {deadline.TotalSeconds:0} s.");
        }
        return new ToolRun(command, process.ExitCode, await output, await errors);
    }
}
