using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Consilium.Client;

/// <summary>Source-generated JSON of the wire format: camelCase names, Anthropic's snake_case in <see cref="Usage"/>.</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(SessionEvent))]
[JsonSerializable(typeof(AgentStartEvent))]
[JsonSerializable(typeof(DeltaEvent))]
[JsonSerializable(typeof(RetryEvent))]
[JsonSerializable(typeof(AgentDoneEvent))]
[JsonSerializable(typeof(AgentErrorEvent))]
[JsonSerializable(typeof(SynthesisDeltaEvent))]
[JsonSerializable(typeof(TensionMapEvent))]
[JsonSerializable(typeof(DoneEvent))]
[JsonSerializable(typeof(ErrorEvent))]
[JsonSerializable(typeof(AgentList))]
[JsonSerializable(typeof(CouncilQuestion))]
[JsonSerializable(typeof(AgentQuestion))]
[JsonSerializable(typeof(ProblemBody))]
[JsonSerializable(typeof(AgentRetryEvent))]
[JsonSerializable(typeof(AgentStreamDoneEvent))]
[JsonSerializable(typeof(AgentStreamErrorEvent))]
[JsonSerializable(typeof(Usage))]
[JsonSerializable(typeof(JsonElement))]
[JsonSerializable(typeof(string))]
public sealed partial class ClientJson : JsonSerializerContext
{
    /// <summary>Text is not HTML-escaped (nothing here goes into a page); control characters always are.</summary>
    public static ClientJson Wire { get; } = new(new JsonSerializerOptions(JsonSerializerDefaults.Web)
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    });
}
