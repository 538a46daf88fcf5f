using System.Text.Json.Serialization;

namespace Consilium.Anthropic;

/// <summary>The body of an Anthropic Messages API request, as much of it as Consilium sends.</summary>
public sealed record MessagesRequest(
    [property: JsonPropertyName("model")] string Model,
    [property: JsonPropertyName("max_tokens")] int MaxTokens,
    [property: JsonPropertyName("stream")] bool Stream,
    [property: JsonPropertyName("system")] IReadOnlyList<SystemBlock> System,
    [property: JsonPropertyName("messages")] IReadOnlyList<InputMessage> Messages,
    [property: JsonPropertyName("metadata"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] RequestMetadata? Metadata);

/// <summary>A <c>system</c> text block; <c>cache_control</c> marks the prefix up to here as cacheable.</summary>
public sealed record SystemBlock(
    [property: JsonPropertyName("type")] string Type,
    [property: JsonPropertyName("text")] string Text,
    [property: JsonPropertyName("cache_control"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] CacheControl? CacheControl);

public sealed record CacheControl([property: JsonPropertyName("type")] string Type)
{
    public static readonly CacheControl Ephemeral = new("ephemeral");
}

public sealed record InputMessage(
    [property: JsonPropertyName("role")] string Role,
    [property: JsonPropertyName("content")] string Content);

public sealed record RequestMetadata([property: JsonPropertyName("user_id")] string UserId);
