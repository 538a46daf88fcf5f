using System.Text.Json;
using System.Text.Json.Serialization;

namespace Consilium.Streaming;

/// <summary>Token usage with Anthropic's field names; every field is a running total.</summary>
public sealed record Usage
{
    public static readonly Usage Zero = new();

    [JsonPropertyName("input_tokens")]
    public long InputTokens { get; init; }

    [JsonPropertyName("output_tokens")]
    public long OutputTokens { get; init; }

    [JsonPropertyName("cache_creation_input_tokens")]
    public long CacheCreationInputTokens { get; init; }

    [JsonPropertyName("cache_read_input_tokens")]
    public long CacheReadInputTokens { get; init; }

    public static Usage operator +(Usage left, Usage right) => new()
    {
        InputTokens = left.InputTokens + right.InputTokens,
        OutputTokens = left.OutputTokens + right.OutputTokens,
        CacheCreationInputTokens = left.CacheCreationInputTokens + right.CacheCreationInputTokens,
        CacheReadInputTokens = left.CacheReadInputTokens + right.CacheReadInputTokens,
    };

    /// <summary>
    /// Folds a later usage report of the same message into this one. Anthropic sends the input side in
    /// <c>message_start</c> and cumulative counts in <c>message_delta</c>: a field present later replaces the earlier value.
    /// </summary>
    public Usage Update(JsonElement usage) => new()
    {
        InputTokens = Read(usage, "input_tokens") ?? InputTokens,
        OutputTokens = Read(usage, "output_tokens") ?? OutputTokens,
        CacheCreationInputTokens = Read(usage, "cache_creation_input_tokens") ?? CacheCreationInputTokens,
        CacheReadInputTokens = Read(usage, "cache_read_input_tokens") ?? CacheReadInputTokens,
    };

    public static Usage From(JsonElement usage) => Zero.Update(usage);

    private static long? Read(JsonElement usage, string name) =>
        usage.ValueKind == JsonValueKind.Object
        && usage.TryGetProperty(name, out var value)
        && value.ValueKind == JsonValueKind.Number
        && value.TryGetInt64(out var number)
            ? number
            : null;
}
