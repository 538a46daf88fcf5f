using Consilium.Testing;

namespace Consilium.Orchestrator.Tests;

/// <summary>The built orchestrator started as its own process, as it is deployed.</summary>
public sealed class StartupTests
{
    [Fact]
    public async Task Start_WithoutConsiliumSecret_ExitsWithOneLineNamingIt()
    {
        var (exitCode, _, errors) = await RunAsync(new() { ["CONSILIUM_SECRET"] = "", ["INTERNAL_KEY"] = "key" });

        Assert.Equal(1, exitCode);
        Assert.StartsWith("Configuration error: CONSILIUM_SECRET", errors.Trim().Split('\n')[^1]);
    }

    [Fact]
    public async Task Start_MalformedAgentUrls_ExitsWithOneLineNamingIt()
    {
        var (exitCode, _, errors) = await RunAsync(new()
        {
            ["CONSILIUM_SECRET"] = "secret",
            ["INTERNAL_KEY"] = "key",
            ["AGENT_URLS"] = "vasquez=not a url",
        });

        Assert.Equal(1, exitCode);
        Assert.StartsWith("Configuration error: AGENT_URLS", errors.Trim().Split('\n')[^1]);
    }

    private static Task<ServiceExit> RunAsync(Dictionary<string, string?> environment) =>
        ServiceExit.RunAsync("Consilium.Orchestrator.dll", environment, TestContext.Current.CancellationToken);
}
