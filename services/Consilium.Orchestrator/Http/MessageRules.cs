namespace Consilium.Orchestrator.Http;

/// <summary>The rule every question to the council follows: <c>message</c> is a string of 1..8000 characters (CONTRACT §3).</summary>
public static class MessageRules
{
    public const int MaxLength = 8000;

    /// <summary>Returns what is wrong with the message, or <c>null</c> when it is acceptable.</summary>
    public static string? Validate(string? message) => message switch
    {
        null => $"'message' is required: a string of 1 to {MaxLength} characters.",
        _ when string.IsNullOrWhiteSpace(message) => "'message' is empty. Ask a question.",
        { Length: > MaxLength } => $"'message' has {message.Length} characters; the limit is {MaxLength}. Shorten the question.",
        _ => null,
    };
}
