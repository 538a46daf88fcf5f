using System.Net.Http.Headers;
using Consilium.Testing;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Consilium.Agent.Tests.Hosting;

/// <summary>
/// The real agent on a real Kestrel socket, configured through the same flat variables as in production and pointed
/// at the in-process simulator. Each test starts its own (it takes a fraction of a second) with the settings it needs.
/// </summary>
public sealed class AgentHost : WebApplicationFactory<AgentApp>
{
    public const string Key = "test-internal-key";
    public const string FirstModel = "claude-sonnet-4-20250514";
    public const string SecondModel = "claude-haiku-4-5-20251001";

    private readonly Dictionary<string, string?> _settings;
    private HttpClient? _http;

    private AgentHost(Dictionary<string, string?> settings) => _settings = settings;

    /// <summary>Settings every test starts from: seat vasquez, the simulator upstream, the default model chain.</summary>
    public static Dictionary<string, string?> Defaults(SimulatorHost simulator) => new()
    {
        ["AGENT_ID"] = "vasquez",
        ["INTERNAL_KEY"] = Key,
        ["ANTHROPIC_API_KEY"] = "",
        ["ANTHROPIC_BASE_URL"] = simulator.BaseUrl.ToString(),
        ["CONSILIUM_MODELS"] = $"{FirstModel},{SecondModel}",
        // The simulator's default retry-after (1 s) is over this cap, so fallbacks happen at once unless a test says otherwise.
        ["AGENT_RETRY_AFTER_CAP"] = "0.5",
        ["Logging:LogLevel:Default"] = "Warning",
    };

    /// <summary>Starts an agent on Kestrel with <see cref="Defaults"/> changed by <paramref name="overrides"/> (a null value removes a setting).</summary>
    public static AgentHost Start(SimulatorHost simulator, params (string Name, string? Value)[] overrides)
    {
        var host = Create(simulator, overrides);
        try
        {
            host.UseKestrel();
            host.StartServer();
            return host;
        }
        catch
        {
            host.Dispose();
            throw;
        }
    }

    /// <summary>An agent not yet started, with <see cref="Defaults"/> changed by <paramref name="overrides"/>.</summary>
    public static AgentHost Create(SimulatorHost simulator, params (string Name, string? Value)[] overrides) =>
        new(With(Defaults(simulator), overrides));

    /// <summary>Applies overrides to settings; a null value removes a setting (it hides any environment variable of that name).</summary>
    public static Dictionary<string, string?> With(Dictionary<string, string?> settings, params (string Name, string? Value)[] overrides)
    {
        foreach (var (name, value) in overrides)
        {
            settings[name] = value;
        }
        return settings;
    }

    /// <summary>A client for the agent's socket, with no default headers.</summary>
    public HttpClient Http => _http ??= new HttpClient
    {
        BaseAddress = new Uri(Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First()),
    };

    /// <summary>POSTs <c>/v1/ask</c> with the key and returns at the response headers.</summary>
    public Task<HttpResponseMessage> PostAskAsync(string message, string? sessionId = null, string? key = Key, HttpClient? client = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/v1/ask")
        {
            Content = System.Net.Http.Json.JsonContent.Create(new { message, sessionId }),
        };
        if (key is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        }
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
        return (client ?? Http).SendAsync(request, HttpCompletionOption.ResponseHeadersRead, TestContext.Current.CancellationToken);
    }

    /// <summary>Asks and reads the whole stream until the agent closes it.</summary>
    public async Task<SseTranscript> AskAsync(string message, string? sessionId = null)
    {
        using var response = await PostAskAsync(message, sessionId);
        Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        return await SseClient.ReadToEndAsync(response, TestContext.Current.CancellationToken);
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        // A free loopback port chosen by the OS. Not UseKestrel(0): that rewrites the server's addresses while a
        // minimal-hosting app may already be starting it, which fails now and then when several hosts start at once.
        builder.UseUrls("http://127.0.0.1:0");
        foreach (var (name, value) in _settings)
        {
            builder.UseSetting(name, value);
        }
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _http?.Dispose();
        }
        base.Dispose(disposing);
    }
}
