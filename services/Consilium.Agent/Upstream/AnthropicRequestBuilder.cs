using Consilium.Agent.Api;
using Consilium.Agent.Options;
using Consilium.Agent.Personas;
using Consilium.Anthropic;
using Microsoft.Extensions.Options;

namespace Consilium.Agent.Upstream;

/// <summary>
/// Builds the Messages request for one model: streaming, the persona's system prompt as one cacheable text block
/// (README "Agent ↔ model"), the question as the only user message, and the session as <c>metadata.user_id</c>.
/// </summary>
public sealed class AnthropicRequestBuilder(IOptions<UpstreamOptions> options)
{
    public MessagesRequest Build(string model, Persona persona, AskRequest ask) => new(
        Model: model,
        MaxTokens: options.Value.MaxTokens,
        Stream: true,
        System: [new SystemBlock("text", persona.SystemPrompt, CacheControl.Ephemeral)],
        Messages: [new InputMessage("user", ask.Message)],
        Metadata: string.IsNullOrEmpty(ask.SessionId) ? null : new RequestMetadata(ask.SessionId));
}
