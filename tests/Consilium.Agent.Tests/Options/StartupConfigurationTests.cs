using Consilium.Agent.Tests.Hosting;
using Consilium.ServiceDefaults;
using Consilium.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Consilium.Agent.Tests.Options;

/// <summary>A misconfigured agent refuses to start, naming the variable (docs/configuration.md).</summary>
public sealed class StartupConfigurationTests(SimulatorHost simulator)
{
    [Theory]
    [InlineData("AGENT_ID", "nobody", "AGENT_ID")]
    [InlineData("AGENT_ID", null, "AGENT_ID")]
    [InlineData("AGENT_ID", "VASQUEZ", "AGENT_ID")]
    [InlineData("INTERNAL_KEY", null, "INTERNAL_KEY")]
    [InlineData("ANTHROPIC_BASE_URL", "not a url", "ANTHROPIC_BASE_URL")]
    [InlineData("ANTHROPIC_BASE_URL", "ftp://models.example", "ANTHROPIC_BASE_URL")]
    [InlineData("CONSILIUM_MODELS", " , ", "CONSILIUM_MODELS")]
    [InlineData("AGENT_FIRST_TOKEN_TIMEOUT", "soon", "AGENT_FIRST_TOKEN_TIMEOUT")]
    [InlineData("AGENT_IDLE_TIMEOUT", "0", "AGENT_IDLE_TIMEOUT")]
    [InlineData("AGENT_TOTAL_TIMEOUT", "-00:00:05", "AGENT_TOTAL_TIMEOUT")]
    [InlineData("AGENT_MAX_TOKENS", "lots", "AGENT_MAX_TOKENS")]
    [InlineData("AGENT_RETRY_AFTER_CAP", "x", "AGENT_RETRY_AFTER_CAP")]
    public void AddAgent_BadSetting_StartupValidationFailsNamingTheVariable(string name, string? value, string named)
    {
        var error = Assert.Throws<ConfigurationErrorException>(() => ValidateAtStartup(AgentHost.Defaults(simulator).With((name, value))));

        Assert.Contains(named, error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', error.Message);
    }

    [Fact]
    public void AddAgent_MalformedSimulatorUrlWithoutBaseUrl_FailsNamingModelSimulatorUrl()
    {
        var settings = AgentHost.Defaults(simulator).With(("ANTHROPIC_BASE_URL", null), ("MODEL_SIMULATOR_URL", "simulator:8080"));

        var error = Assert.Throws<ConfigurationErrorException>(() => ValidateAtStartup(settings));

        Assert.Contains("MODEL_SIMULATOR_URL", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void AddAgent_GoodSettings_PassesStartupValidation()
    {
        ValidateAtStartup(AgentHost.Defaults(simulator));
    }

    [Fact]
    public async Task Main_UnknownAgentId_ExitsWithOneLineNamingAgentId()
    {
        var exit = await ServiceExit.RunAsync(
            "Consilium.Agent.dll", new Dictionary<string, string?> { ["AGENT_ID"] = "nobody", ["INTERNAL_KEY"] = "key" }, TestContext.Current.CancellationToken);

        Assert.Equal(1, exit.ExitCode);
        var line = Assert.Single(exit.ErrorLines);
        Assert.Contains("AGENT_ID", line, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", exit.StandardOutput, StringComparison.Ordinal);
    }

    /// <summary>Registers the agent exactly as Program.cs does and runs what ValidateOnStart runs when the host starts.</summary>
    private static void ValidateAtStartup(Dictionary<string, string?> settings)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Configuration.AddInMemoryCollection(settings);
        builder.AddAgent();
        using var app = builder.Build();
        app.Services.GetRequiredService<IStartupValidator>().Validate();
    }
}
