using Consilium.ModelSimulator.Faults;

namespace Consilium.ModelSimulator.Messages;

/// <summary>A validated <c>POST /v1/messages</c> body: what the simulator needs from it.</summary>
public sealed record MessageRequest
{
    public required string Model { get; init; }

    public required int MaxTokens { get; init; }

    public required bool Stream { get; init; }

    /// <summary>The system prompt's text (blocks joined by blank lines).</summary>
    public required string SystemText { get; init; }

    /// <summary>Whether any system block carried <c>cache_control</c>.</summary>
    public required bool SystemHasCacheControl { get; init; }

    /// <summary>The seat id from a <c>Council seat: &lt;id&gt;</c> line of the system prompt, lower case.</summary>
    public required string? Seat { get; init; }

    /// <summary>The last user message's text with directives removed: the question the answer talks about.</summary>
    public required string Question { get; init; }

    /// <summary>Every message's role and text (directives removed), oldest first.</summary>
    public IReadOnlyList<MessageTurn> Turns { get; init; } = [];

    /// <summary>The user turns before the last one (a follow-up's thread), directives removed, oldest first.</summary>
    public IReadOnlyList<string> EarlierQuestions { get; init; } = [];

    /// <summary>Directives found in the last user message's text.</summary>
    public required IReadOnlyList<SimDirective> TextDirectives { get; init; }

    /// <summary>The prompt in cache order (tools, system, messages), for prompt-cache accounting.</summary>
    public required IReadOnlyList<PromptBlock> Prompt { get; init; }

    /// <summary><c>stop_sequences</c>: generation stops before the first one that appears.</summary>
    public required IReadOnlyList<string> StopSequences { get; init; }

    /// <summary>SHA-256 of (model, system, messages) without directives: the seed of the answer.</summary>
    public required string Hash { get; init; }
}

/// <summary>One message as the request log shows it.</summary>
public sealed record MessageTurn(
    [property: System.Text.Json.Serialization.JsonPropertyName("role")] string Role,
    [property: System.Text.Json.Serialization.JsonPropertyName("text")] string Text);

/// <summary>One piece of the prompt: a tool definition, a system block or a message content block.</summary>
/// <param name="Content">The text, or a non-text block's JSON, used for counting and for the cache key.</param>
/// <param name="CacheControl">Whether the block is marked with <c>cache_control</c> (a cache breakpoint).</param>
public sealed record PromptBlock(string Content, bool CacheControl);
