using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using Consilium.ModelSimulator.Caching;

namespace Consilium.ModelSimulator.Messages;

/// <summary>
/// The JSON shapes of Anthropic's Messages API as they appear on the wire: snake_case, nulls written, non-ASCII text
/// sent as UTF-8 (as the real API does).
/// </summary>
public static class WireJson
{
    public static readonly JsonSerializerOptions Options = Create();

    /// <summary>The generated metadata of every wire shape (<see cref="WireShapesJson"/>): no reflection, so a Native AOT build keeps it.</summary>
    public static JsonTypeInfo<T> Of<T>() => (JsonTypeInfo<T>)Options.GetTypeInfo(typeof(T));

    private static JsonSerializerOptions Create()
    {
        var options = new JsonSerializerOptions
        {
            PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
            DefaultIgnoreCondition = JsonIgnoreCondition.Never,
            Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
            TypeInfoResolver = WireShapesJson.Default,
        };
        options.MakeReadOnly();
        return options;
    }
}

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower, DefaultIgnoreCondition = JsonIgnoreCondition.Never)]
[JsonSerializable(typeof(MessageBody))]
[JsonSerializable(typeof(MessageStartEvent))]
[JsonSerializable(typeof(ContentBlockStartEvent))]
[JsonSerializable(typeof(PingEvent))]
[JsonSerializable(typeof(ContentBlockDeltaEvent))]
[JsonSerializable(typeof(ContentBlockStopEvent))]
[JsonSerializable(typeof(MessageDeltaEvent))]
[JsonSerializable(typeof(MessageStopEvent))]
[JsonSerializable(typeof(ErrorBody))]
internal sealed partial class WireShapesJson : JsonSerializerContext;

public sealed record MessageBody(
    [property: JsonPropertyOrder(-2)] string Id, string Model, IReadOnlyList<TextBlock> Content, string? StopReason, string? StopSequence, UsageBody Usage)
{
    [JsonPropertyOrder(-1)]
    public string Type => "message";

    [JsonPropertyOrder(-1)]
    public string Role => "assistant";
}

public sealed record TextBlock(string Text)
{
    [JsonPropertyOrder(-1)]
    public string Type => "text";
}

/// <summary>The <c>usage</c> of a message (non-streaming body and <c>message_start</c>).</summary>
public sealed record UsageBody(
    int InputTokens, int CacheCreationInputTokens, int CacheReadInputTokens, CacheCreationBody CacheCreation, int OutputTokens)
{
    public string ServiceTier => "standard";

    public static UsageBody From(PromptUsage prompt, int outputTokens) => new(
        prompt.InputTokens, prompt.CacheCreationInputTokens, prompt.CacheReadInputTokens,
        new CacheCreationBody(prompt.CacheCreationInputTokens, 0), outputTokens);
}

public sealed record CacheCreationBody(
    [property: JsonPropertyName("ephemeral_5m_input_tokens")] int Ephemeral5mInputTokens,
    [property: JsonPropertyName("ephemeral_1h_input_tokens")] int Ephemeral1hInputTokens);

/// <summary>The cumulative <c>usage</c> of <c>message_delta</c>.</summary>
public sealed record DeltaUsageBody(int InputTokens, int CacheCreationInputTokens, int CacheReadInputTokens, int OutputTokens)
{
    public static DeltaUsageBody From(PromptUsage prompt, int outputTokens) => new(
        prompt.InputTokens, prompt.CacheCreationInputTokens, prompt.CacheReadInputTokens, outputTokens);
}

public sealed record MessageStartEvent(MessageBody Message)
{
    [JsonPropertyOrder(-1)]
    public string Type => "message_start";
}

public sealed record ContentBlockStartEvent(int Index, TextBlock ContentBlock)
{
    [JsonPropertyOrder(-1)]
    public string Type => "content_block_start";
}

public sealed record PingEvent
{
    public string Type => "ping";
}

public sealed record ContentBlockDeltaEvent(int Index, TextDelta Delta)
{
    [JsonPropertyOrder(-1)]
    public string Type => "content_block_delta";
}

public sealed record TextDelta(string Text)
{
    [JsonPropertyOrder(-1)]
    public string Type => "text_delta";
}

public sealed record ContentBlockStopEvent(int Index)
{
    [JsonPropertyOrder(-1)]
    public string Type => "content_block_stop";
}

public sealed record MessageDeltaEvent(MessageDeltaBody Delta, DeltaUsageBody Usage)
{
    [JsonPropertyOrder(-1)]
    public string Type => "message_delta";
}

public sealed record MessageDeltaBody(string? StopReason, string? StopSequence);

public sealed record MessageStopEvent
{
    public string Type => "message_stop";
}

/// <summary>An error, as an HTTP body (with <c>request_id</c>) or an in-stream <c>event: error</c> (without).</summary>
public sealed record ErrorBody(ErrorDetail Error, [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? RequestId = null)
{
    [JsonPropertyOrder(-1)]
    public string Type => "error";
}

public sealed record ErrorDetail(string Type, string Message);
