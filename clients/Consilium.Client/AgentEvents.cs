using System.Text.Json;
using System.Text.Json.Serialization;

namespace Consilium.Client;

/// <summary>
/// One event of a single agent's stream (<c>POST /api/agent/{agentId}</c>): the Anthropic Messages stream events,
/// typed, plus Consilium's own <c>retry</c>, <c>done</c> and <c>error</c>.
/// </summary>
public abstract record AgentEvent
{
    /// <summary>The event's name on the wire.</summary>
    [JsonIgnore]
    public abstract string EventType { get; }

    [JsonIgnore]
    public virtual bool IsTerminal => false;
}

/// <summary><c>message_start</c>: the model and the input side of the usage.</summary>
public sealed record MessageStartEvent(string Id, string Model, Usage Usage) : AgentEvent
{
    [JsonIgnore]
    public override string EventType => "message_start";
}

/// <summary><c>content_block_start</c>.</summary>
public sealed record ContentBlockStartEvent(int Index, string BlockType) : AgentEvent
{
    [JsonIgnore]
    public override string EventType => "content_block_start";
}

/// <summary><c>content_block_delta</c> with a <c>text_delta</c>: a fragment of the answer.</summary>
public sealed record TextDeltaEvent(int Index, string Text) : AgentEvent
{
    [JsonIgnore]
    public override string EventType => "content_block_delta";
}

/// <summary><c>content_block_stop</c>.</summary>
public sealed record ContentBlockStopEvent(int Index) : AgentEvent
{
    [JsonIgnore]
    public override string EventType => "content_block_stop";
}

/// <summary><c>message_delta</c>: the stop reason and the cumulative output usage.</summary>
public sealed record MessageDeltaEvent(string? StopReason, long OutputTokens) : AgentEvent
{
    [JsonIgnore]
    public override string EventType => "message_delta";
}

/// <summary><c>message_stop</c>.</summary>
public sealed record MessageStopEvent : AgentEvent
{
    [JsonIgnore]
    public override string EventType => "message_stop";
}

/// <summary><c>ping</c> from the model.</summary>
public sealed record PingEvent : AgentEvent
{
    [JsonIgnore]
    public override string EventType => "ping";
}

/// <summary><c>retry</c>: the agent falls back to the next model.</summary>
public sealed record AgentRetryEvent(string Model, int Status, string NextModel) : AgentEvent
{
    [JsonIgnore]
    public override string EventType => "retry";
}

/// <summary><c>done</c>: terminal; the answer is complete.</summary>
public sealed record AgentStreamDoneEvent(string Model, Usage Usage, long? TtftMs, long DurationMs) : AgentEvent
{
    [JsonIgnore]
    public override string EventType => "done";

    [JsonIgnore]
    public override bool IsTerminal => true;
}

/// <summary><c>error</c>: terminal; the agent failed (<c>timeout</c>, <c>upstream_error</c>, <c>unavailable</c>, <c>overloaded</c>).</summary>
public sealed record AgentStreamErrorEvent(string Code, string Message) : AgentEvent
{
    [JsonIgnore]
    public override string EventType => "error";

    [JsonIgnore]
    public override bool IsTerminal => true;
}

/// <summary>Any other event (e.g. a <c>content_block_delta</c> that is not text), kept as it came.</summary>
public sealed record OtherAgentEvent(string Name, JsonElement Data) : AgentEvent
{
    [JsonIgnore]
    public override string EventType => Name;
}
