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

/// <summary>A message: <c>content</c> is a string, or a list of <see cref="ContentBlock"/> (to mark a cache breakpoint).</summary>
public sealed record InputMessage(
    [property: JsonPropertyName("role")] string Role,
    [property: JsonPropertyName("content")] object Content)
{
    /// <summary>A message whose one text block ends a cacheable prefix (<c>cache_control</c>).</summary>
    public static InputMessage CacheBreakpoint(string role, string text) =>
        new(role, new[] { new ContentBlock("text", text, CacheControl.Ephemeral) });
}

/// <summary>A text content block of a message.</summary>
public sealed record ContentBlock(
    [property: JsonPropertyName("type")] string Type,
    [property: JsonPropertyName("text")] string Text,
    [property: JsonPropertyName("cache_control"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] CacheControl? CacheControl);

public sealed record RequestMetadata([property: JsonPropertyName("user_id")] string UserId);

/// <summary>
/// The request body's serialization metadata, generated at build time (no reflection: a Native AOT build keeps it).
/// <see cref="InputMessage.Content"/> is a string or a <see cref="ContentBlock"/> array, both listed here.
/// </summary>
[JsonSerializable(typeof(MessagesRequest))]
[JsonSerializable(typeof(ContentBlock[]))]
[JsonSerializable(typeof(string))]
internal sealed partial class MessagesJson : JsonSerializerContext;
