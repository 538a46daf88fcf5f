using System.Diagnostics;

namespace Consilium.Gateway.Tests;

public sealed class StartupTests
{
    [Theory]
    [InlineData("not a url")]
    [InlineData("ftp://orchestrator:21")]
    [InlineData("http://orchestrator:8080,orchestrator-2")]
    public async Task Start_MalformedOrchestratorUrls_ExitsWithOneLineNamingTheVariable(string value)
    {
        var ct = TestContext.Current.CancellationToken;
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            ArgumentList = { Path.Combine(AppContext.BaseDirectory, "Consilium.Gateway.dll"), "--urls", "http://127.0.0.1:0" },
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        start.Environment["ORCHESTRATOR_URLS"] = value;
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

        var errors = (await stderr).Trim();
        Assert.Equal(1, process.ExitCode);
        Assert.StartsWith("Configuration error: ORCHESTRATOR_URLS", errors);
        Assert.DoesNotContain('\n', errors);
        Assert.DoesNotContain("Exception", await stdout);
    }
}
