using System.Text;
using System.Text.Json;
using Consilium.Orchestrator.Redis;
using Consilium.Orchestrator.Sessions;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Consilium.Orchestrator.Conversations;

/// <summary>
/// <c>GET /api/consilium/conversations/{conversationId}</c> (the transcript as JSON) and <c>…/export?format=markdown|json</c>
/// (a download). Both need the bearer secret: a resume token opens only its own session's events.
/// </summary>
public static class ConversationApi
{
    public static IHostApplicationBuilder AddConversations(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<ConversationOptions>().Configure<IConfiguration>(ConversationOptions.Read).ValidateOnStart();
        services.AddSingleton<IConversationStore>(provider => provider.GetRequiredService<RedisConnection>().IsConfigured
            ? ActivatorUtilities.CreateInstance<RedisConversationStore>(provider)
            : ActivatorUtilities.CreateInstance<MemoryConversationStore>(provider));
        services.AddSingleton<ConversationService>();
        return builder;
    }

    public static RouteGroupBuilder MapConversationApi(this RouteGroupBuilder api)
    {
        api.MapGet("/consilium/conversations/{conversationId}", GetAsync);
        api.MapGet("/consilium/conversations/{conversationId}/export", ExportAsync);
        return api;
    }

    public static async Task<Results<JsonHttpResult<Transcript>, ProblemHttpResult>> GetAsync(
        string conversationId, IConversationStore store, ConversationService conversations, CancellationToken cancellationToken)
    {
        var conversation = await FindAsync(conversationId, store, cancellationToken);
        return conversation is null
            ? conversations.UnknownConversation(conversationId)
            : TypedResults.Json(Transcript.Of(conversation), ConversationJson.Readable.Transcript);
    }

    public static async Task<Results<FileContentHttpResult, ProblemHttpResult>> ExportAsync(
        string conversationId, string? format, IConversationStore store, ConversationService conversations, CancellationToken cancellationToken)
    {
        format = string.IsNullOrEmpty(format) ? "markdown" : format.ToLowerInvariant();
        if (format is not ("markdown" or "json"))
        {
            return TypedResults.Problem(
                $"'format' is '{format}'; use ?format=markdown (the default) or ?format=json.",
                statusCode: StatusCodes.Status400BadRequest,
                title: "Unknown export format");
        }
        var conversation = await FindAsync(conversationId, store, cancellationToken);
        if (conversation is null)
        {
            return conversations.UnknownConversation(conversationId);
        }
        var transcript = Transcript.Of(conversation);
        return format == "json"
            ? TypedResults.File(
                JsonSerializer.SerializeToUtf8Bytes(transcript, ConversationJson.Readable.Transcript), "application/json",
                $"consilium-{conversationId}.json")
            : TypedResults.File(
                Encoding.UTF8.GetBytes(TranscriptMarkdown.Write(transcript)), "text/markdown; charset=utf-8",
                $"consilium-{conversationId}.md");
    }

    private static async Task<Conversation?> FindAsync(string conversationId, IConversationStore store, CancellationToken cancellationToken) =>
        SessionCredentials.IsWellFormed(conversationId) ? await store.GetAsync(conversationId, cancellationToken) : null;
}
