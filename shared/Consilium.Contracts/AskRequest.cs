using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using Consilium.Council.Conversations;
using Consilium.Council.Questions;

namespace Consilium.Contracts;

/// <summary>
/// The body of an agent's <c>POST /v1/ask</c> (docs/api.md#agent-service-internal): the message, the session, and the
/// agent's own thread in a follow-up round. The orchestrator writes it, the agent reads it with <see cref="JsonBody"/>.
/// </summary>
public sealed record AskRequest(
    string Message,
    string? SessionId,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyList<ThreadTurn?>? History = null)
    : IRequestBody<AskRequest>
{
    /// <summary>A rebuttal brief quotes the other experts, so it may be longer than a question: up to a thread turn.</summary>
    public const int MaxBriefLength = ThreadRules.MaxTurnLength;

    public static int MaxBodyBytes => WireLimits.AskBodyBytes;

    public static IJsonTypeInfoResolver JsonMetadata => AskJson.Default;

    public static string Shape =>
        "{\"message\": string, \"sessionId\"?: string, \"history\"?: [{\"role\": \"user\" | \"assistant\", \"content\": string}]}";

    /// <summary>
    /// The message follows <see cref="MessageRules"/> (a rebuttal brief may be up to <see cref="MaxBriefLength"/>
    /// characters), the session id fits Anthropic's metadata, and the thread follows <see cref="ThreadRules"/>.
    /// </summary>
    public string? Validate()
    {
        // Read from JSON, a missing "message" is null whatever the annotation says.
        string? message = Message;
        if (MessageRules.Validate(message) is { } problem
            && !(message is not null && RebuttalBrief.IsBrief(message) && message.Length <= MaxBriefLength && MessageRules.HasVisibleCharacter(message)))
        {
            return problem;
        }
        if (SessionId is { Length: > WireLimits.MaxSessionIdLength })
        {
            return $"'sessionId' must be at most {WireLimits.MaxSessionIdLength} characters long.";
        }
        return ThreadRules.Validate(History);
    }
}

/// <summary>Source-generated JSON of <see cref="AskRequest"/>: the orchestrator writes it, the agent reads it (also in a Native AOT build).</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(AskRequest))]
public sealed partial class AskJson : JsonSerializerContext;
