using System.Text.Json;
using System.Text.Json.Nodes;

namespace Consilium.ModelSimulator.Tests;

/// <summary>Messages API request bodies as an agent would send them.</summary>
public static class Requests
{
    public const string Model = "claude-sonnet-4-20250514";
    public const string Question = "Should we convert a 1980s suburban office park into build-to-rent housing?";

    /// <summary>A fingerprint-like system prompt naming the seat.</summary>
    public static string System(string seat, int padding = 0) =>
        $"You are a member of the Consilium council.\nCouncil seat: {seat}\n" + new string('x', padding);

    public static string Message(
        string question = Question,
        string? seat = "chen",
        bool stream = true,
        int maxTokens = 1024,
        string model = Model,
        bool cacheControl = true,
        int systemPadding = 0,
        IReadOnlyList<string>? stopSequences = null)
    {
        var body = new JsonObject
        {
            ["model"] = model,
            ["max_tokens"] = maxTokens,
            ["stream"] = stream,
            ["messages"] = new JsonArray(new JsonObject { ["role"] = "user", ["content"] = question }),
        };
        if (seat is not null)
        {
            var block = new JsonObject { ["type"] = "text", ["text"] = System(seat, systemPadding) };
            if (cacheControl)
            {
                block["cache_control"] = new JsonObject { ["type"] = "ephemeral" };
            }
            body["system"] = new JsonArray(block);
        }
        if (stopSequences is not null)
        {
            body["stop_sequences"] = JsonSerializer.SerializeToNode(stopSequences);
        }
        return body.ToJsonString();
    }
}
