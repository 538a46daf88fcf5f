using System.Net.Http.Headers;
using Consilium.Testing;

namespace Consilium.Agent.Tests.Hosting;

/// <summary>
/// The real agent on a real Kestrel socket, configured through the same flat variables as in production and pointed
/// at the in-process simulator. Each test starts its own (it takes a fraction of a second) with the settings it needs.
/// </summary>
public sealed class AgentHost : ServiceHost<AgentApp>
{
    public const string Key = "test-internal-key";
    public const string FirstModel = "claude-sonnet-4-20250514";
    public const string SecondModel = "claude-haiku-4-5-20251001";

    private AgentHost(Dictionary<string, string?> settings)
        : base(settings)
    {
    }

    /// <summary>Settings every test starts from: seat vasquez, the simulator upstream, the default model chain.</summary>
    public static Dictionary<string, string?> Defaults(SimulatorHost simulator) =>
        ServiceSettings.Agent("vasquez", Key, simulator.BaseAddress).With(
            ("CONSILIUM_MODELS", $"{FirstModel},{SecondModel}"),
            // The simulator's default retry-after (1 s) is over this cap, so fallbacks happen at once unless a test says otherwise.
            ("AGENT_RETRY_AFTER_CAP", "0.5"));

    /// <summary>Starts an agent on Kestrel with <see cref="Defaults"/> changed by <paramref name="overrides"/> (a null value removes a setting).</summary>
    public static AgentHost Start(SimulatorHost simulator, params (string Name, string? Value)[] overrides) =>
        Start(new AgentHost(Defaults(simulator).With(overrides)));

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
}
