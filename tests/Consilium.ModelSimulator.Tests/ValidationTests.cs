using System.Net;
using System.Text.Json;
using Consilium.ModelSimulator.Observability;
using Consilium.Testing;

namespace Consilium.ModelSimulator.Tests;

public sealed class ValidationTests(FastSimulator simulator)
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    private static async Task<string> ErrorMessageAsync(HttpResponseMessage response, HttpStatusCode status, string type)
    {
        var text = await response.Content.ReadAsStringAsync(Cancel);
        Assert.Equal(status, response.StatusCode);
        using var body = JsonDocument.Parse(text);
        Assert.Equal("error", body.RootElement.GetProperty("type").GetString());
        Assert.Equal(type, body.RootElement.GetProperty("error").GetProperty("type").GetString());
        Assert.Equal(response.Headers.GetValues("request-id").Single(), body.RootElement.GetProperty("request_id").GetString());
        return body.RootElement.GetProperty("error").GetProperty("message").GetString()!;
    }

    [Theory]
    [InlineData("{not json", "valid JSON")]
    [InlineData("[]", "JSON object")]
    [InlineData("""{"max_tokens": 10, "messages": [{"role": "user", "content": "hi"}]}""", "model: Field required")]
    [InlineData("""{"model": "claude-sonnet-4-20250514", "messages": [{"role": "user", "content": "hi"}]}""", "max_tokens: Field required")]
    [InlineData("""{"model": "claude-sonnet-4-20250514", "max_tokens": 0, "messages": [{"role": "user", "content": "hi"}]}""", "max_tokens")]
    [InlineData("""{"model": "claude-sonnet-4-20250514", "max_tokens": 10}""", "messages: Field required")]
    [InlineData("""{"model": "claude-sonnet-4-20250514", "max_tokens": 10, "messages": []}""", "messages")]
    [InlineData("""{"model": "claude-sonnet-4-20250514", "max_tokens": 10, "messages": [{"role": "robot", "content": "hi"}]}""", "messages.0.role")]
    [InlineData("""{"model": "claude-sonnet-4-20250514", "max_tokens": 10, "messages": [{"role": "user", "content": "hi"}], "system": 5}""", "system")]
    [InlineData("""{"model": "claude-sonnet-4-20250514", "max_tokens": 10, "messages": [{"role": "user", "content": "hi"}], "stream": "yes"}""", "stream")]
    public async Task PostMessages_InvalidBody_InvalidRequestError(string body, string expected)
    {
        using var client = simulator.Connect();
        using var response = await client.PostAsync(body, cancellationToken: Cancel);

        Assert.Contains(expected, await ErrorMessageAsync(response, HttpStatusCode.BadRequest, "invalid_request_error"), StringComparison.Ordinal);
        var record = await client.WaitForEndAsync(response.Headers.GetValues("request-id").Single(), Cancel);
        Assert.Equal((Outcomes.Error, 400), (record.Outcome, record.Status));
    }

    [Fact]
    public async Task PostMessages_WithoutAnthropicVersion_InvalidRequestError()
    {
        using var client = simulator.Connect();
        using var response = await client.PostAsync(Requests.Message(), version: false, cancellationToken: Cancel);

        Assert.Contains("anthropic-version", await ErrorMessageAsync(response, HttpStatusCode.BadRequest, "invalid_request_error"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task PostMessages_UnknownModel_NotFoundError()
    {
        using var client = simulator.Connect();
        using var response = await client.PostAsync(Requests.Message(model: "gpt-4o"), cancellationToken: Cancel);

        Assert.Contains("gpt-4o", await ErrorMessageAsync(response, HttpStatusCode.NotFound, "not_found_error"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task PostMessages_AnyClaudeModel_IsAccepted()
    {
        using var client = simulator.Connect();
        using var response = await client.PostAsync(Requests.Message(model: "claude-future-9", stream: false), cancellationToken: Cancel);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task PostMessages_ContentBlocksAndSystemString_AreAccepted()
    {
        using var client = simulator.Connect();
        const string body = """
            {"model": "claude-sonnet-4-20250514", "max_tokens": 50, "system": "Council seat: okafor",
             "messages": [{"role": "user", "content": [{"type": "text", "text": "Should we rezone the rail yard?"}]},
                          {"role": "assistant", "content": "Let me think."},
                          {"role": "user", "content": [{"type": "text", "text": "Go on."}]}]}
            """;
        using var document = await client.PostJsonAsync(body, cancellationToken: Cancel);

        Assert.Equal("max_tokens", document.RootElement.GetProperty("stop_reason").GetString());
        Assert.Equal(50, document.RootElement.GetProperty("usage").GetProperty("output_tokens").GetInt32());
    }
}

/// <summary>A simulator that insists on an API key (<c>SIM_API_KEY</c>).</summary>
public sealed class KeyedSimulator() : SimulatorHost(new Dictionary<string, string>(Fast()) { ["SIM_API_KEY"] = "sk-sim-secret" });

public sealed class AuthenticationTests(KeyedSimulator simulator) : IClassFixture<KeyedSimulator>
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task PostMessages_WrongKey_AuthenticationError()
    {
        using var client = simulator.Connect();
        using var response = await client.PostAsync(Requests.Message(), cancellationToken: Cancel);

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Cancel));
        Assert.Equal("authentication_error", body.RootElement.GetProperty("error").GetProperty("type").GetString());
    }

    [Fact]
    public async Task PostMessages_RightKey_Answers()
    {
        using var client = simulator.Connect();
        using var response = await client.PostAsync(
            Requests.Message(stream: false), new Dictionary<string, string> { ["x-api-key"] = "sk-sim-secret" }, cancellationToken: Cancel);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }
}

/// <summary>The built simulator started as its own process, as the launcher and containers start it.</summary>
public sealed class ConfigurationTests
{
    [Theory]
    [InlineData("SIM_TTFT_MS", "soon")]
    [InlineData("SIM_TOKENS_PER_SECOND", "-3")]
    [InlineData("SIM_OUTPUT_TOKENS", "0")]
    [InlineData("SIM_FAULTS", "[[sim fault=teapot]]")]
    public async Task Start_BadSetting_ExitsWithOneLineNamingTheVariable(string name, string value)
    {
        // The test machine's own SIM_* variables are hidden, so only the one under test can stop the start.
        var environment = Environment.GetEnvironmentVariables().Keys.Cast<string>()
            .Where(key => key.StartsWith("SIM_", StringComparison.Ordinal))
            .ToDictionary(key => key, string? (_) => null);
        environment[name] = value;

        var exit = await ServiceExit.RunAsync("Consilium.ModelSimulator.dll", environment, TestContext.Current.CancellationToken);

        Assert.Equal(1, exit.ExitCode);
        var line = Assert.Single(exit.ErrorLines);
        Assert.StartsWith($"Configuration error: {name}", line, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", exit.StandardOutput, StringComparison.Ordinal);
    }
}
