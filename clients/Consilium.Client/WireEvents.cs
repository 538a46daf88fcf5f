using System.Text.Json;
using System.Text.Json.Serialization.Metadata;

namespace Consilium.Client;

/// <summary>Turns one SSE event (name and UTF-8 data) into its typed record.</summary>
internal static class WireEvents
{
    public static CouncilEvent ParseCouncil(string eventType, ReadOnlySpan<byte> data)
    {
        var wire = ClientJson.Wire;
        return eventType switch
        {
            CouncilEventNames.Session => Read(data, wire.SessionEvent, eventType),
            CouncilEventNames.AgentStart => Read(data, wire.AgentStartEvent, eventType),
            CouncilEventNames.Delta => Read(data, wire.DeltaEvent, eventType),
            CouncilEventNames.Retry => Read(data, wire.RetryEvent, eventType),
            CouncilEventNames.AgentDone => Read(data, wire.AgentDoneEvent, eventType),
            CouncilEventNames.AgentError => Read(data, wire.AgentErrorEvent, eventType),
            CouncilEventNames.SynthesisDelta => Read(data, wire.SynthesisDeltaEvent, eventType),
            CouncilEventNames.TensionMap => Read(data, wire.TensionMapEvent, eventType),
            CouncilEventNames.Done => Read(data, wire.DoneEvent, eventType),
            CouncilEventNames.Error => Read(data, wire.ErrorEvent, eventType),
            _ => new UnknownCouncilEvent(eventType, Element(data)),
        };
    }

    public static AgentEvent ParseAgent(string eventType, ReadOnlySpan<byte> data)
    {
        var wire = ClientJson.Wire;
        switch (eventType)
        {
            case "retry":
                return Read(data, wire.AgentRetryEvent, eventType);
            case "done":
                return Read(data, wire.AgentStreamDoneEvent, eventType);
            case "error":
                var error = Element(data);
                // Ours is {"code","message"}; an upstream Anthropic error {"type":"error","error":{"type","message"}} is read too.
                if (Has(error, "code", out var code) && code.ValueKind == JsonValueKind.String)
                {
                    return new AgentStreamErrorEvent(code.GetString()!, String(error, "message") ?? "");
                }
                var inner = Has(error, "error", out var e) ? e : error;
                return new AgentStreamErrorEvent(String(inner, "type") ?? "upstream_error", String(inner, "message") ?? "The agent failed.");
        }
        var json = Element(data);
        switch (eventType)
        {
            case "message_start" when Has(json, "message", out var message):
                var usage = Has(message, "usage", out var u) ? u.Deserialize(wire.Usage) : null;
                return new MessageStartEvent(String(message, "id") ?? "", String(message, "model") ?? "", usage ?? Usage.Zero);
            case "content_block_start":
                return new ContentBlockStartEvent(Int(json, "index"),
                    Has(json, "content_block", out var block) ? String(block, "type") ?? "" : "");
            case "content_block_delta" when Has(json, "delta", out var delta) && String(delta, "type") == "text_delta":
                return new TextDeltaEvent(Int(json, "index"), String(delta, "text") ?? "");
            case "content_block_stop":
                return new ContentBlockStopEvent(Int(json, "index"));
            case "message_delta":
                var stopReason = Has(json, "delta", out var d) ? String(d, "stop_reason") : null;
                var output = Has(json, "usage", out var mu) && Has(mu, "output_tokens", out var o) && o.ValueKind == JsonValueKind.Number && o.TryGetInt64(out var n) ? n : 0;
                return new MessageDeltaEvent(stopReason, output);
            case "message_stop":
                return new MessageStopEvent();
            case "ping":
                return new PingEvent();
            default:
                return new OtherAgentEvent(eventType, json);
        }
    }

    private static T Read<T>(ReadOnlySpan<byte> data, JsonTypeInfo<T> type, string eventType)
    {
        try
        {
            return JsonSerializer.Deserialize(data, type)
                ?? throw new ConsiliumStreamException($"The server sent a '{eventType}' event with null data.");
        }
        catch (JsonException ex)
        {
            throw new ConsiliumStreamException($"The server sent a '{eventType}' event whose data this client cannot read: {ex.Message}", ex);
        }
    }

    private static JsonElement Element(ReadOnlySpan<byte> data)
    {
        try
        {
            return data.IsEmpty ? default : JsonSerializer.Deserialize(data, ClientJson.Wire.JsonElement);
        }
        catch (JsonException)
        {
            return JsonSerializer.SerializeToElement(System.Text.Encoding.UTF8.GetString(data), ClientJson.Wire.String);
        }
    }

    /// <summary><c>TryGetProperty</c> that is false (not an exception) when the data is not an object.</summary>
    private static bool Has(JsonElement json, string name, out JsonElement value)
    {
        value = default;
        return json.ValueKind == JsonValueKind.Object && json.TryGetProperty(name, out value);
    }

    private static string? String(JsonElement json, string name) =>
        Has(json, name, out var value) && value.ValueKind == JsonValueKind.String
            ? value.GetString()
            : null;

    private static int Int(JsonElement json, string name) =>
        Has(json, name, out var value) && value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out var number) ? number : 0;
}
