using System.Text.Json;

namespace Consilium.Streaming;

/// <summary>The event names of the Anthropic Messages stream.</summary>
public static class AnthropicEventNames
{
    public const string MessageStart = "message_start";
    public const string ContentBlockStart = "content_block_start";
    public const string ContentBlockDelta = "content_block_delta";
    public const string ContentBlockStop = "content_block_stop";
    public const string MessageDelta = "message_delta";
    public const string MessageStop = "message_stop";
    public const string Ping = "ping";
    public const string Error = "error";
}

/// <summary>
/// What Consilium needs to know about one event of an Anthropic Messages stream. The event itself is forwarded
/// verbatim; this is only a reading of it.
/// </summary>
public readonly record struct AnthropicStreamEvent(
    string Type,
    string? Text,
    string? Model,
    JsonElement? Usage,
    string? StopReason,
    string? ErrorType,
    string? ErrorMessage)
{
    public bool IsTextDelta => Text is not null;

    /// <summary>
    /// Reads one event. Its type is the JSON <c>type</c>, else the SSE event type. Data that is not a JSON object
    /// reads as an event of its SSE type with nothing else known; this never throws.
    /// </summary>
    public static AnthropicStreamEvent Parse(string? eventType, string data)
    {
        try
        {
            using var document = JsonDocument.Parse(data);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                return new(eventType ?? "message", null, null, null, null, null, null);
            }
            var type = String(root, "type") ?? eventType ?? "message";
            return type switch
            {
                AnthropicEventNames.MessageStart when root.TryGetProperty("message", out var message) => new(
                    type, null, String(message, "model"), CloneOf(message, "usage"), null, null, null),
                AnthropicEventNames.ContentBlockDelta when root.TryGetProperty("delta", out var delta)
                    && String(delta, "type") == "text_delta" => new(type, String(delta, "text") ?? "", null, null, null, null, null),
                AnthropicEventNames.MessageDelta => new(
                    type, null, null, CloneOf(root, "usage"),
                    root.TryGetProperty("delta", out var md) ? String(md, "stop_reason") : null, null, null),
                AnthropicEventNames.Error when root.TryGetProperty("error", out var error) => new(
                    type, null, null, null, null, String(error, "type") ?? "api_error", String(error, "message") ?? ""),
                _ => new(type, null, null, null, null, null, null),
            };
        }
        catch (JsonException)
        {
            return new(eventType ?? "message", null, null, null, null, null, null);
        }
    }

    private static string? String(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String
            ? value.GetString()
            : null;

    private static JsonElement? CloneOf(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value) ? value.Clone() : null;
}
