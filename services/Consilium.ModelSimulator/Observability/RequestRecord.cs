using System.Text.Json.Serialization;

namespace Consilium.ModelSimulator.Observability;

/// <summary>How a request ended.</summary>
public static class Outcomes
{
    /// <summary>The whole answer was sent.</summary>
    public const string Completed = "completed";

    /// <summary>The client went away before the answer was complete.</summary>
    public const string Cancelled = "cancelled";

    /// <summary>An injected fault (directive or <c>SIM_FAULTS</c>) ended it.</summary>
    public const string Faulted = "faulted";

    /// <summary>The request was refused (validation, authentication, unknown model).</summary>
    public const string Error = "error";
}

/// <summary>One request as <c>GET /sim/requests</c> shows it. Filled in while the request runs.</summary>
public sealed class RequestRecord
{
    [JsonPropertyName("id")]
    public required string Id { get; init; }

    [JsonPropertyName("model")]
    public string? Model { get; set; }

    [JsonPropertyName("seat")]
    public string? Seat { get; set; }

    [JsonPropertyName("stream")]
    public bool Stream { get; set; }

    /// <summary>The conversation sent, one entry per message (role and text, directives removed), oldest first.</summary>
    [JsonPropertyName("messages")]
    public IReadOnlyList<Messages.MessageTurn> Messages { get; set; } = [];

    /// <summary>The <c>anthropic-version</c> header as sent (null when missing).</summary>
    [JsonPropertyName("anthropicVersion")]
    public string? AnthropicVersion { get; set; }

    /// <summary>Whether any system block carried <c>cache_control</c>.</summary>
    [JsonPropertyName("cacheControl")]
    public bool CacheControl { get; set; }

    [JsonPropertyName("fault")]
    public string? Fault { get; set; }

    [JsonPropertyName("status")]
    public int Status { get; set; }

    /// <summary><see cref="Outcomes"/>; null while the request is still running.</summary>
    [JsonPropertyName("outcome")]
    public string? Outcome { get; set; }

    /// <summary>Text deltas written to the client.</summary>
    [JsonPropertyName("deltas")]
    public int Deltas { get; set; }

    [JsonPropertyName("inputTokens")]
    public int InputTokens { get; set; }

    [JsonPropertyName("cacheCreationInputTokens")]
    public int CacheCreationInputTokens { get; set; }

    [JsonPropertyName("cacheReadInputTokens")]
    public int CacheReadInputTokens { get; set; }

    [JsonPropertyName("startedAt")]
    public DateTimeOffset StartedAt { get; init; }

    [JsonPropertyName("endedAt")]
    public DateTimeOffset? EndedAt { get; set; }

    /// <summary>A start-up warm-up request: not in the log, not in the totals.</summary>
    [JsonIgnore]
    internal bool Unlisted { get; init; }
}
