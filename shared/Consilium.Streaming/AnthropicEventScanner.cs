using System.Text.Json;

namespace Consilium.Streaming;

/// <summary>
/// The cheap first reading of one Anthropic stream event, straight from its UTF-8 bytes: its type and whether it is a
/// <c>text_delta</c>, with no string or document built. A forwarding hop reads every event this way and decodes the
/// few that carry more it needs (<c>message_start</c>, <c>message_delta</c>, <c>error</c>) with
/// <see cref="AnthropicStreamEvent.Parse(string?, string)"/>.
/// </summary>
/// <remarks>
/// Why hand-written: building a <see cref="JsonDocument"/> and a UTF-16 string for every delta was the agent's largest
/// cost per delta after thread-pool spinning in the CPU-per-delta benchmark (docs/benchmarks.md); this reads the bytes
/// once with <see cref="Utf8JsonReader"/> and allocates nothing. The rules are those of <see cref="AnthropicStreamEvent"/>:
/// the type is the JSON <c>type</c>, else the SSE event type; data that is not a JSON object has its SSE type only.
/// </remarks>
public readonly record struct AnthropicEventKind(string Type, bool IsTextDelta)
{
    /// <summary>Whether the full reading may know more than the kind (usage, model, stop reason, error).</summary>
    public bool NeedsFullParse => Type is AnthropicEventNames.MessageStart or AnthropicEventNames.MessageDelta or AnthropicEventNames.Error;

    public static AnthropicEventKind Scan(string? eventType, ReadOnlySpan<byte> data)
    {
        var fallback = eventType ?? "message";
        try
        {
            var reader = new Utf8JsonReader(data);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return new(fallback, false);
            }
            string? type = null;
            string? deltaType = null;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.ValueTextEquals("type"u8))
                {
                    reader.Read();
                    type = reader.TokenType == JsonTokenType.String ? Known(ref reader) : null;
                }
                else if (reader.ValueTextEquals("delta"u8))
                {
                    reader.Read();
                    deltaType = reader.TokenType == JsonTokenType.StartObject ? DeltaType(ref reader) : SkipValue(ref reader);
                }
                else
                {
                    reader.Read();
                    reader.Skip();
                }
            }
            // A complete object ends with its EndObject and nothing after it; anything else reads as not JSON.
            if (reader.TokenType != JsonTokenType.EndObject || reader.CurrentDepth != 0 || reader.Read())
            {
                return new(fallback, false);
            }
            type ??= fallback;
            return new(type, type == AnthropicEventNames.ContentBlockDelta && deltaType == "text_delta");
        }
        catch (JsonException)
        {
            return new(fallback, false);
        }
    }

    /// <summary>"text_delta" when the delta object's <c>type</c> is <c>text_delta</c> (with or without text, as in <see cref="AnthropicStreamEvent"/>).</summary>
    private static string? DeltaType(ref Utf8JsonReader reader)
    {
        string? type = null;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("type"u8))
            {
                reader.Read();
                type = reader.TokenType == JsonTokenType.String && reader.ValueTextEquals("text_delta"u8) ? "text_delta" : "other";
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }
        return type;
    }

    private static string? SkipValue(ref Utf8JsonReader reader)
    {
        reader.Skip();
        return null;
    }

    /// <summary>The event type as one of the interned names when it is one, so a known type costs no string.</summary>
    private static string Known(ref Utf8JsonReader reader) =>
        reader.ValueTextEquals("content_block_delta"u8) ? AnthropicEventNames.ContentBlockDelta
        : reader.ValueTextEquals("message_start"u8) ? AnthropicEventNames.MessageStart
        : reader.ValueTextEquals("content_block_start"u8) ? AnthropicEventNames.ContentBlockStart
        : reader.ValueTextEquals("content_block_stop"u8) ? AnthropicEventNames.ContentBlockStop
        : reader.ValueTextEquals("message_delta"u8) ? AnthropicEventNames.MessageDelta
        : reader.ValueTextEquals("message_stop"u8) ? AnthropicEventNames.MessageStop
        : reader.ValueTextEquals("ping"u8) ? AnthropicEventNames.Ping
        : reader.ValueTextEquals("error"u8) ? AnthropicEventNames.Error
        : reader.GetString()!;
}
