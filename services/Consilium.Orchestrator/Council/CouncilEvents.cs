using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using Consilium.Council;
using Consilium.Council.Tension;
using Consilium.Streaming;

namespace Consilium.Orchestrator.Council;

/// <summary>The council stream's event names (docs/api.md#public-api, plus <c>synthesis_delta</c>).</summary>
public static class CouncilEventNames
{
    public const string Session = "session";
    public const string AgentStart = "agent_start";
    public const string Delta = "delta";
    public const string Retry = "retry";
    public const string AgentDone = "agent_done";
    public const string AgentError = "agent_error";

    /// <summary>A fragment of the synthesis call's answer, <c>{"text"}</c>, as it is written (before validation).</summary>
    public const string SynthesisDelta = "synthesis_delta";

    public const string TensionMap = "tension_map";
    public const string Done = SseNames.Done;
    public const string Error = SseNames.Error;
}

/// <summary>The <c>error</c> codes of a council as a whole (agents' own codes pass through in <c>agent_error</c>).</summary>
public static class CouncilErrorCodes
{
    /// <summary>Every agent failed.</summary>
    public const string Unavailable = ErrorCodes.Unavailable;

    /// <summary>The council ran longer than <c>COUNCIL_TIMEOUT</c>.</summary>
    public const string Timeout = ErrorCodes.Timeout;

    /// <summary>No client was reading for the resume grace period, or the replica shut down: every call was cancelled.</summary>
    public const string Cancelled = "cancelled";
}

/// <summary>
/// The <c>session</c> event. Only the live response of <c>POST /api/consilium</c> carries <c>resumeToken</c>; the copy in
/// the session log (and so every resume, on any replica) leaves the field out (docs/streaming.md "The resume token").
/// </summary>
public sealed record SessionData(
    string SessionId,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? ResumeToken,
    IReadOnlyList<AgentRef> Agents,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? ConversationId = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] int? Round = null,
    [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Mode = null)
{
    public static SessionData For(CouncilSession session, bool withToken) =>
        new(session.SessionId, withToken ? session.ResumeToken : null, [.. session.Agents.Select(a => new AgentRef(a.Id, a.Name, a.Domain))],
            session.Conversation?.ConversationId, session.Conversation?.Round, session.Conversation?.Mode);

    public string ToJson() => System.Text.Json.JsonSerializer.Serialize(this, CouncilJson.Events.SessionData);
}

public sealed record AgentRef(string Id, string Name, string Domain);

public sealed record AgentStartData(string Agent, string Model);

public sealed record DeltaData(string Agent, string Text);

public sealed record SynthesisDeltaData(string Text);

public sealed record AgentRetryData(string Agent, string Model, int Status, string NextModel);

public sealed record AgentDoneData(string Agent, string Model, Stance? Stance, Usage Usage, long? TtftMs, long DurationMs);

public sealed record AgentErrorData(string Agent, string Code, string Message);

public sealed record CouncilDoneData(
    IReadOnlyList<string> Succeeded,
    IReadOnlyList<string> Failed,
    Usage Usage,
    decimal CostUsd,
    decimal CacheSavingsUsd,
    long DurationMs);

/// <summary>
/// Source-generated serialisation of the council's event data: camelCase, nulls written (e.g. <c>"stance": null</c>).
/// <see cref="Events"/> leaves non-ASCII text and HTML characters unescaped (smaller, readable with curl); line feeds,
/// carriage returns, NUL and every other control character are always escaped, so no text can break SSE framing.
/// </summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, DefaultIgnoreCondition = JsonIgnoreCondition.Never)]
[JsonSerializable(typeof(SessionData))]
[JsonSerializable(typeof(AgentStartData))]
[JsonSerializable(typeof(DeltaData))]
[JsonSerializable(typeof(SynthesisDeltaData))]
[JsonSerializable(typeof(AgentRetryData))]
[JsonSerializable(typeof(AgentDoneData))]
[JsonSerializable(typeof(AgentErrorData))]
[JsonSerializable(typeof(CouncilDoneData))]
[JsonSerializable(typeof(ErrorData))]
[JsonSerializable(typeof(TensionMap))]
[JsonSerializable(typeof(RetryData))]
[JsonSerializable(typeof(DoneData))]
public sealed partial class CouncilJson : JsonSerializerContext
{
    public static CouncilJson Events { get; } = new(new JsonSerializerOptions(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    });
}
