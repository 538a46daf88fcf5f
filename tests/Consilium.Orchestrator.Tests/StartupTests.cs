using System.Diagnostics;

namespace Consilium.Orchestrator.Tests;

/// <summary>The built orchestrator started as its own process, as it is deployed.</summary>
public sealed class StartupTests
{
    [Fact]
    public async Task Start_WithoutConsiliumSecret_ExitsWithOneLineNamingIt()
    {
        var (exitCode, errors) = await RunAsync(new() { ["CONSILIUM_SECRET"] = "", ["INTERNAL_KEY"] = "key" });

        Assert.Equal(1, exitCode);
        Assert.StartsWith("Configuration error: CONSILIUM_SECRET", errors.Trim().Split('\n')[^1]);
    }

    [Fact]
    public async Task Start_MalformedAgentUrls_ExitsWithOneLineNamingIt()
    {
        var (exitCode, errors) = await RunAsync(new()
        {
            ["CONSILIUM_SECRET"] = "secret",
            ["INTERNAL_KEY"] = "key",
            ["AGENT_URLS"] = "vasquez=not a url",
        });

        Assert.Equal(1, exitCode);
        Assert.StartsWith("Configuration error: AGENT_URLS", errors.Trim().Split('\n')[^1]);
    }

    private static async Task<(int ExitCode, string Errors)> RunAsync(Dictionary<string, string> environment)
    {
        var ct = TestContext.Current.CancellationToken;
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            ArgumentList = { Path.Combine(AppContext.BaseDirectory, "Consilium.Orchestrator.dll"), "--urls", "http://127.0.0.1:0" },
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }
        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync(ct);
        var stdout = process.StandardOutput.ReadToEndAsync(ct);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
        deadline.CancelAfter(TimeSpan.FromSeconds(30));
        try
        {
            await process.WaitForExitAsync(deadline.Token);
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
        }
        await stdout;
        return (process.ExitCode, await stderr);
    }
}
