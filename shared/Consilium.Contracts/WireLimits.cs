using Consilium.Council.Questions;

namespace Consilium.Contracts;

/// <summary>
/// The sizes of the wire contract (docs/api.md#public-api, docs/api.md#agent-service-internal). The question's own
/// limit, 8,000 characters, is <see cref="MessageRules.MaxLength"/>.
/// </summary>
public static class WireLimits
{
    /// <summary>A public API request body: at most 64 KiB (else 413).</summary>
    public const int PublicBodyBytes = 64 * 1024;

    /// <summary>
    /// An agent's <c>/v1/ask</c> body: room for a thread of <see cref="Council.Conversations.ThreadRules.MaxTurns"/>
    /// turns of up to <see cref="Council.Conversations.ThreadRules.MaxTurnLength"/> characters. The orchestrator's JSON
    /// writer sends every non-ASCII character as a <c>\u</c> escape (up to 6 bytes a character), so a full thread can
    /// take far more than its text.
    /// </summary>
    public const int AskBodyBytes = 2 * 1024 * 1024;

    /// <summary>Anthropic limits <c>metadata.user_id</c>, where the session id goes, to 256 characters.</summary>
    public const int MaxSessionIdLength = 256;
}
