using System.Net.ServerSentEvents;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Consilium.Streaming;

/// <summary>Builds Consilium's own events (<c>retry</c>, <c>error</c>, <c>done</c>) of the agent stream format (CONTRACT §3).</summary>
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

    public static SseItem<string> Create<T>(string eventType, T data) =>
        new(JsonSerializer.Serialize(data, Json), eventType);

    private static JsonSerializerOptions CreateJson()
    {
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web)
        {
            DefaultIgnoreCondition = JsonIgnoreCondition.Never,
            Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        };
        options.MakeReadOnly(populateMissingResolver: true);
        return options;
    }
}

public sealed record RetryData(string Model, int Status, string NextModel);

public sealed record ErrorData(string Code, string Message);

public sealed record DoneData(string Model, Usage Usage, long? TtftMs, long DurationMs);
