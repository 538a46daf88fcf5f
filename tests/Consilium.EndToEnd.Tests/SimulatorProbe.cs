using System.Net.Http.Json;
using System.Text.Json;
using Consilium.Agent.Personas;
using Consilium.Testing;

namespace Consilium.EndToEnd.Tests;

/// <summary>Asks the model simulator directly, on its loopback port, what it produced and how requests ended.</summary>
internal sealed class SimulatorProbe(ProcessTopology topology) : IDisposable
{
    private readonly HttpClient _http = ProcessTopology.CreateClient(topology.SimulatorUrl);

    /// <summary>
    /// The simulator's non-streaming answer to the request an agent sends for <paramref name="message"/> (README
    /// "Agent ↔ model": the persona's system prompt as one cacheable block, the question as the only user message).
    /// Its output is deterministic for a given model, system prompt and messages (docs/simulator.md), so this is the text
    /// the stream must have carried.
    /// </summary>
    public async Task<string> AnswerAsAgentAsync(string agentId, string model, string message, CancellationToken cancellationToken)
    {
        var persona = PersonaCatalog.Find(agentId) ?? throw new InvalidOperationException($"No persona '{agentId}' in Consilium.Agent.");
        var body = new
        {
            model,
            max_tokens = 1024,
            stream = false,
            system = new[] { new { type = "text", text = persona.SystemPrompt, cache_control = new { type = "ephemeral" } } },
            messages = new[] { new { role = "user", content = message } },
        };
        using var request = new HttpRequestMessage(HttpMethod.Post, "v1/messages") { Content = JsonContent.Create(body) };
        request.Headers.Add("x-api-key", "simulator");
        request.Headers.Add("anthropic-version", "2023-06-01");
        using var response = await _http.SendAsync(request, cancellationToken);
        response.EnsureSuccessStatusCode();
        var answer = await response.Content.ReadFromJsonAsync<JsonElement>(cancellationToken);
        return string.Concat(answer.GetProperty("content").EnumerateArray()
            .Where(block => block.GetProperty("type").GetString() == "text")
            .Select(block => block.GetProperty("text").GetString()));
    }

    /// <summary>The requests the simulator has seen (oldest first), as <c>GET /sim/requests</c> lists them.</summary>
    public async Task<IReadOnlyList<JsonElement>> RequestsAsync(CancellationToken cancellationToken)
    {
        var requests = await _http.GetFromJsonAsync<JsonElement>("sim/requests", cancellationToken);
        return [.. requests.EnumerateArray()];
    }

    public void Dispose() => _http.Dispose();
}
