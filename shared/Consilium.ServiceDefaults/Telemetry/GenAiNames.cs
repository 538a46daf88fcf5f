namespace Consilium.Telemetry;

/// <summary>
/// Names from the OpenTelemetry GenAI semantic conventions that Consilium reports, and its own next to them
/// (docs/observability.md lists them all).
/// </summary>
public static class GenAiNames
{
    public const string OperationName = "gen_ai.operation.name";
    public const string ProviderName = "gen_ai.provider.name";
    public const string RequestModel = "gen_ai.request.model";
    public const string ResponseModel = "gen_ai.response.model";
    public const string InputTokens = "gen_ai.usage.input_tokens";
    public const string OutputTokens = "gen_ai.usage.output_tokens";
    public const string CacheReadTokens = "gen_ai.usage.cache_read.input_tokens";
    public const string CacheCreationTokens = "gen_ai.usage.cache_creation.input_tokens";
    public const string FinishReasons = "gen_ai.response.finish_reasons";
    public const string TimeToFirstChunk = "gen_ai.response.time_to_first_chunk";
    public const string TokenType = "gen_ai.token.type";
    public const string ConversationId = "gen_ai.conversation.id";
    public const string AgentName = "gen_ai.agent.name";
    public const string ErrorType = "error.type";
    /// <summary>Message text: only with <c>OTEL_CAPTURE_CONTENT=true</c>.</summary>
    public const string InputMessages = "gen_ai.input.messages";

    public const string Chat = "chat";
    public const string Anthropic = "anthropic";

    // Metrics.
    public const string TokenUsage = "gen_ai.client.token.usage";
    public const string OperationDuration = "gen_ai.client.operation.duration";
    public const string TimeToFirstChunkMetric = "gen_ai.client.operation.time_to_first_chunk";
    public const string TimePerOutputChunk = "gen_ai.client.operation.time_per_output_chunk";
    public const string CacheReadRatio = "consilium.gen_ai.cache_read_ratio";
    public const string Cost = "consilium.gen_ai.cost";

    /// <summary>The bucket boundaries the conventions give for <c>gen_ai.client.token.usage</c>.</summary>
    public static readonly double[] TokenBuckets = [1, 4, 16, 64, 256, 1024, 4096, 16384, 65536, 262144, 1048576, 4194304, 16777216, 67108864];

    public static readonly double[] RatioBuckets = [0, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.99, 1];
}
