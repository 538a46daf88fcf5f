namespace Consilium.Streaming;

/// <summary>The event names Consilium adds to a model stream (docs/api.md#public-api).</summary>
public static class SseNames
{
    public const string Retry = "retry";
    public const string Error = "error";
    public const string Done = "done";
    public const string ContentType = "text/event-stream";

    /// <summary>
    /// The one place the rule is written: every stream ends with exactly one <c>done</c> or <c>error</c>, and nothing
    /// follows it (docs/api.md#public-api). A council stream's reader makes one exception: an <c>error</c> without an
    /// <c>id:</c> comes from the replica serving the stream, not from the council, and the client resumes from its
    /// last id (docs/api.md, "Resume").
    /// </summary>
    public static bool IsTerminal(string? eventType) => eventType is Done or Error;
}

/// <summary>The <c>code</c> values of an <c>error</c> event.</summary>
public static class ErrorCodes
{
    public const string Timeout = "timeout";
    public const string UpstreamError = "upstream_error";
    public const string Unavailable = "unavailable";
    public const string Overloaded = "overloaded";
}
