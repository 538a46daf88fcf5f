using System.Diagnostics.CodeAnalysis;
using System.Net.ServerSentEvents;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;

namespace Consilium.Streaming;

/// <summary>Builds Consilium's own events (<c>retry</c>, <c>error</c>, <c>done</c>) of the agent stream format (docs/api.md#public-api).</summary>
public static class StreamEvents
{
    /// <summary>
    /// camelCase for our fields; <see cref="Usage"/> carries Anthropic's snake_case names itself. Read-only.
    /// Like ASP.NET Core's own JSON responses, text is not HTML-escaped (the data goes into an event stream, never
    /// into a page): "é" and "&lt;stance&gt;" stay as they are, while control characters, <c>\r</c> and <c>\n</c> are
    /// still escaped, so the data is always a single line.
    /// </summary>
    public static readonly JsonSerializerOptions Json = CreateJson();

    public static SseItem<string> Retry(string model, int status, string nextModel) =>
        Create(SseNames.Retry, new RetryData(model, status, nextModel));

    public static SseItem<string> Error(string code, string message) =>
        Create(SseNames.Error, new ErrorData(code, message));

    public static SseItem<string> Done(string model, Usage usage, long? ttftMs, long durationMs) =>
        Create(SseNames.Done, new DoneData(model, usage, ttftMs, durationMs));

    /// <summary>
    /// An event whose data is <paramref name="data"/> as JSON. The types of Consilium's own events come from the
    /// source-generated <see cref="StreamEventsJson"/>, so a Native AOT build serialises them without reflection; any
    /// other type needs reflection-based serialization, which a Native AOT build does not have.
    /// </summary>
    public static SseItem<string> Create<T>(string eventType, T data) =>
        new(JsonSerializer.Serialize(data, (JsonTypeInfo<T>)Json.GetTypeInfo(typeof(T))), eventType);

    /// <summary>The same event with its data as UTF-8 bytes, for a stream that forwards bytes.</summary>
    public static SseItem<byte[]> Utf8(SseItem<string> item) =>
        new(System.Text.Encoding.UTF8.GetBytes(item.Data), item.EventType) { EventId = item.EventId, ReconnectionInterval = item.ReconnectionInterval };

    private static JsonSerializerOptions CreateJson()
    {
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web)
        {
            DefaultIgnoreCondition = JsonIgnoreCondition.Never,
            Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
            TypeInfoResolver = Resolver(),
        };
        options.MakeReadOnly();
        return options;
    }

    /// <summary>
    /// The generated metadata first; reflection for every other type only where the runtime has it (a JIT build).
    /// A Native AOT or trimmed build sets <c>JsonSerializerIsReflectionEnabledByDefault</c> to false, which removes the
    /// reflection branch, so nothing it would need is trimmed away unseen.
    /// </summary>
    [UnconditionalSuppressMessage("Trimming", "IL2026", Justification = "Reflection is used only when the feature switch enables it, i.e. not in trimmed or AOT builds.")]
    [UnconditionalSuppressMessage("AOT", "IL3050", Justification = "Reflection is used only when the feature switch enables it, i.e. not in trimmed or AOT builds.")]
    private static IJsonTypeInfoResolver Resolver() =>
        JsonSerializer.IsReflectionEnabledByDefault
            ? JsonTypeInfoResolver.Combine(StreamEventsJson.Default, new DefaultJsonTypeInfoResolver())
            : StreamEventsJson.Default;
}

/// <summary>Serialization metadata of Consilium's own stream events, generated at build time.</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, DefaultIgnoreCondition = JsonIgnoreCondition.Never)]
[JsonSerializable(typeof(RetryData))]
[JsonSerializable(typeof(ErrorData))]
[JsonSerializable(typeof(DoneData))]
[JsonSerializable(typeof(Usage))]
internal sealed partial class StreamEventsJson : JsonSerializerContext;

public sealed record RetryData(string Model, int Status, string NextModel);

public sealed record ErrorData(string Code, string Message);

public sealed record DoneData(string Model, Usage Usage, long? TtftMs, long DurationMs);
