namespace Consilium.Agent.Api;

/// <summary>The body of <c>POST /v1/ask</c> (CONTRACT §4).</summary>
public sealed record AskRequest(string Message, string? SessionId)
{
    public const int MaxMessageLength = 8000;

    /// <summary>Anthropic limits <c>metadata.user_id</c>, where the session id goes, to 256 characters.</summary>
    public const int MaxSessionIdLength = 256;
}
