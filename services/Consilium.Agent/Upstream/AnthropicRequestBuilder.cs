using Consilium.Agent.Options;
using Consilium.Agent.Personas;
using Consilium.Anthropic;
using Consilium.Contracts;
using Microsoft.Extensions.Options;

namespace Consilium.Agent.Upstream;

/// <summary>
/// Builds the Messages request for one model: streaming, the persona's system prompt as one cacheable text block
/// (docs/api.md#agent--model), the agent's thread (<c>history</c>, earlier turns) with a cache breakpoint on its last
/// turn and on the last turn before the latest exchange (where the previous round's prefix ended) — so a follow-up
/// round reads the system prompt and the earlier thread from the prompt cache — then the question as
/// the last user message, and the session as <c>metadata.user_id</c>.
/// </summary>
public sealed class AnthropicRequestBuilder(IOptions<UpstreamOptions> options)
{
    public MessagesRequest Build(string model, Persona persona, AskRequest ask) => new(
        Model: model,
        MaxTokens: options.Value.MaxTokens,
        Stream: true,
        System: [new SystemBlock("text", persona.SystemPrompt, CacheControl.Ephemeral)],
        Messages: Messages(ask),
        Metadata: string.IsNullOrEmpty(ask.SessionId) ? null : new RequestMetadata(ask.SessionId));

    private static List<InputMessage> Messages(AskRequest ask)
    {
        var history = ask.History ?? [];
        var messages = new List<InputMessage>(history.Count + 1);
        for (var i = 0; i < history.Count; i++)
        {
            var turn = history[i]!;
            // The last earlier turn ends this round's cacheable prefix; the turn before the latest exchange ended the
            // previous round's, which this round reads back from the cache.
            var breakpoint = i == history.Count - 1 || i == history.Count - 3;
            messages.Add(breakpoint ? InputMessage.CacheBreakpoint(turn.Role, turn.Content) : new InputMessage(turn.Role, turn.Content));
        }
        messages.Add(new InputMessage("user", ask.Message));
        return messages;
    }
}
