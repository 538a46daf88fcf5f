using Consilium.Testing;

namespace Consilium.Gateway.Tests;

public sealed class StartupTests
{
    [Theory]
    [InlineData("not a url")]
    [InlineData("ftp://orchestrator:21")]
    [InlineData("http://orchestrator:8080,orchestrator-2")]
    public async Task Start_MalformedOrchestratorUrls_ExitsWithOneLineNamingTheVariable(string value)
    {
        var exit = await ServiceExit.RunAsync(
            "Consilium.Gateway.dll",
            new Dictionary<string, string?> { ["ORCHESTRATOR_URLS"] = value },
            TestContext.Current.CancellationToken);

        var errors = exit.StandardError.Trim();
        Assert.Equal(1, exit.ExitCode);
        Assert.StartsWith("Configuration error: ORCHESTRATOR_URLS", errors);
        Assert.DoesNotContain('\n', errors);
        Assert.DoesNotContain("Exception", exit.StandardOutput);
    }
}
