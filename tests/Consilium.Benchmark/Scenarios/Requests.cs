using System.Globalization;
using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.Json.Nodes;
using Consilium.Agent.Personas;
using Consilium.Client;

namespace Consilium.Benchmark.Scenarios;

/// <summary>The requests the benchmark sends, each path's as its real caller sends it.</summary>
public static class Requests
{
    /// <summary>The first model of the default chain, which the agents ask first.</summary>
    public const string Model = "claude-sonnet-4-20250514";

    public const string Question = "Should we convert a 1980s suburban office park into build-to-rent housing?";

    /// <summary>A simulator directive pacing the answer: <c>[[sim ttft=… rate=… tokens=…]]</c>.</summary>
    public static string Pace(int ttftMs, double rate, int tokens, string? agent = null) =>
        string.Create(CultureInfo.InvariantCulture, $"[[sim {(agent is null ? "" : $"agent={agent} ")}ttft={ttftMs} rate={rate} tokens={tokens}]]");

    /// <summary>
    /// <c>POST /v1/messages</c> to the simulator with exactly the body the agent would send for <paramref name="agentId"/>:
    /// its fingerprint as one cacheable system block, the message as the only user turn.
    /// </summary>
    public static HttpRequestMessage Simulator(Uri simulator, string agentId, string message, int maxTokens)
    {
        var persona = PersonaCatalog.Find(agentId) ?? throw new InvalidOperationException($"No embedded fingerprint for '{agentId}'.");
        var body = new JsonObject
        {
            ["model"] = Model,
            ["max_tokens"] = maxTokens,
            ["stream"] = true,
            ["system"] = new JsonArray(new JsonObject
            {
                ["type"] = "text",
                ["text"] = persona.SystemPrompt,
                ["cache_control"] = new JsonObject { ["type"] = "ephemeral" },
            }),
            ["messages"] = new JsonArray(new JsonObject { ["role"] = "user", ["content"] = message }),
        };
        var request = new HttpRequestMessage(HttpMethod.Post, new Uri(simulator, "/v1/messages")) { Content = Json(body) };
        request.Headers.Add("anthropic-version", "2023-06-01");
        request.Headers.Add("x-api-key", "benchmark");
        return Accepting(request);
    }

    /// <summary><c>POST /v1/ask</c> to an agent with the internal key.</summary>
    public static HttpRequestMessage Agent(Uri agent, string internalKey, string message) =>
        Bearer(new HttpRequestMessage(HttpMethod.Post, new Uri(agent, "/v1/ask")) { Content = Json(new { message }) }, internalKey);

    /// <summary><c>POST /api/agent/{id}</c> to a gateway or an orchestrator with the public bearer.</summary>
    public static HttpRequestMessage PublicAgent(Uri baseUrl, string secret, string agentId, string message) =>
        Bearer(new HttpRequestMessage(HttpMethod.Post, new Uri(baseUrl, $"/api/agent/{agentId}")) { Content = Json(new { message }) }, secret);

    /// <summary>The question of <c>POST /api/consilium</c> (all ten agents, no synthesis: ten upstream streams per council).</summary>
    public static CouncilQuestion Council(string message) => new(message, Synthesis: false);

    /// <summary>The next round of a conversation (docs/api.md "Conversations"): the same agents, each with its own thread.</summary>
    public static CouncilQuestion FollowUp(string conversationId, string message) =>
        new(message, Synthesis: false) { ConversationId = conversationId };

    /// <summary>A sized JSON body (Content-Length, not chunked), as the services' own clients send.</summary>
    private static ByteArrayContent Json<T>(T value)
    {
        var content = new ByteArrayContent(JsonSerializer.SerializeToUtf8Bytes(value));
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        return content;
    }

    private static HttpRequestMessage Bearer(HttpRequestMessage request, string token)
    {
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return Accepting(request);
    }

    private static HttpRequestMessage Accepting(HttpRequestMessage request)
    {
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
        return request;
    }
}
