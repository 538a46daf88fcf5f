using System.Text.Json;
using System.Text.Json.Serialization;

namespace Consilium.Client;

/// <summary>
/// One event of a council stream (<c>POST /api/consilium</c>, docs/api.md "The council"): one record type per event
/// name, carrying the event's data. <see cref="Id"/> is the event's sequence number in its session.
/// </summary>
public abstract record CouncilEvent
{
    /// <summary>The event's <c>id:</c>, strictly increasing from 1 within the session.</summary>
    [JsonIgnore]
    public long Id { get; init; }

    /// <summary>The event's name on the wire (<c>session</c>, <c>delta</c>, …).</summary>
    [JsonIgnore]
    public abstract string EventType { get; }

    /// <summary>Whether the stream ends with this event (<c>done</c> or <c>error</c>).</summary>
    [JsonIgnore]
    public virtual bool IsTerminal => false;
}

/// <summary>The council stream's event names.</summary>
public static class CouncilEventNames
{
    public const string Session = "session";
    public const string AgentStart = "agent_start";
    public const string Delta = "delta";
    public const string Retry = "retry";
    public const string AgentDone = "agent_done";
    public const string AgentError = "agent_error";
    public const string SynthesisDelta = "synthesis_delta";
    public const string TensionMap = "tension_map";
    public const string Done = "done";
    public const string Error = "error";
}

/// <summary>
/// <c>session</c>: the first event; the resume token lets any client read the rest (or stop the council). The token is
/// only in the stream that started the council: a replay carries <c>null</c> (the server keeps no copy of it).
/// </summary>
public sealed record SessionEvent(string SessionId, string? ResumeToken, IReadOnlyList<AgentSeat> Agents) : CouncilEvent
{
    /// <summary>The conversation this council is a round of; send it in <see cref="CouncilQuestion.ConversationId"/> to ask the next round.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? ConversationId { get; init; }

    /// <summary>The round's number in its conversation, from 1.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public int? Round { get; init; }

    /// <summary><c>ask</c> or <c>rebuttal</c>.</summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Mode { get; init; }

    [JsonIgnore]
    public override string EventType => CouncilEventNames.Session;
}

/// <summary><c>agent_start</c>: the agent's model stream is established.</summary>
public sealed record AgentStartEvent(string Agent, string Model) : CouncilEvent
{
    [JsonIgnore]
    public override string EventType => CouncilEventNames.AgentStart;
}

/// <summary><c>delta</c>: a fragment of one agent's answer, in order per agent.</summary>
public sealed record DeltaEvent(string Agent, string Text) : CouncilEvent
{
    [JsonIgnore]
    public override string EventType => CouncilEventNames.Delta;
}

/// <summary><c>retry</c>: an agent falls back to the next model of the chain.</summary>
public sealed record RetryEvent(string Agent, string Model, int Status, string NextModel) : CouncilEvent
{
    [JsonIgnore]
    public override string EventType => CouncilEventNames.Retry;
}

/// <summary><c>agent_done</c>: an agent finished; <see cref="Stance"/> is null when its stance block was missing or malformed.</summary>
public sealed record AgentDoneEvent(string Agent, string Model, Stance? Stance, Usage Usage, long? TtftMs, long DurationMs) : CouncilEvent
{
    [JsonIgnore]
    public override string EventType => CouncilEventNames.AgentDone;
}

/// <summary><c>agent_error</c>: an agent failed; the others go on.</summary>
public sealed record AgentErrorEvent(string Agent, string Code, string Message) : CouncilEvent
{
    [JsonIgnore]
    public override string EventType => CouncilEventNames.AgentError;
}

/// <summary><c>synthesis_delta</c>: a fragment of the synthesis call's answer as it is written.</summary>
public sealed record SynthesisDeltaEvent(string Text) : CouncilEvent
{
    [JsonIgnore]
    public override string EventType => CouncilEventNames.SynthesisDelta;
}

/// <summary><c>tension_map</c>: where the council agrees and disagrees (sent when at least two agents answered).</summary>
public sealed record TensionMapEvent(
    IReadOnlyList<string> Agents,
    IReadOnlyDictionary<string, StancePosition> Positions,
    IReadOnlyList<IReadOnlyList<double>> Matrix,
    double Consensus,
    IReadOnlyList<IReadOnlyList<string>> Coalitions,
    IReadOnlyList<string> Outliers,
    IReadOnlyList<string> Missing,
    IReadOnlyList<TensionAxis> Axes,
    string? Synthesis) : CouncilEvent
{
    [JsonIgnore]
    public override string EventType => CouncilEventNames.TensionMap;
}

/// <summary><c>done</c>: terminal; the council finished.</summary>
public sealed record DoneEvent(
    IReadOnlyList<string> Succeeded,
    IReadOnlyList<string> Failed,
    Usage Usage,
    decimal CostUsd,
    decimal CacheSavingsUsd,
    long DurationMs) : CouncilEvent
{
    [JsonIgnore]
    public override string EventType => CouncilEventNames.Done;

    [JsonIgnore]
    public override bool IsTerminal => true;
}

/// <summary>
/// <c>error</c>: terminal; the council as a whole failed (<c>unavailable</c>, <c>timeout</c>) or was stopped
/// (<c>cancelled</c>, which carries the <see cref="Usage"/> and <see cref="CostUsd"/> already spent).
/// </summary>
public sealed record ErrorEvent(string Code, string Message) : CouncilEvent
{
    public const string CancelledCode = "cancelled";

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public Usage? Usage { get; init; }

    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public decimal? CostUsd { get; init; }

    [JsonIgnore]
    public override string EventType => CouncilEventNames.Error;

    [JsonIgnore]
    public override bool IsTerminal => true;
}

/// <summary>An event this version of the client does not know, kept as it came (newer servers may add events).</summary>
public sealed record UnknownCouncilEvent(string Name, JsonElement Data) : CouncilEvent
{
    [JsonIgnore]
    public override string EventType => Name;
}
