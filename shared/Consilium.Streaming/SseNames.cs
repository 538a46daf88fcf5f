namespace Consilium.Streaming;

/// <summary>The event names Consilium adds to a model stream (CONTRACT §3).</summary>
public static class SseNames
{
    public const string Retry = "retry";
    public const string Error = "error";
    public const string Done = "done";
    public const string ContentType = "text/event-stream";
}

/// <summary>The <c>code</c> values of an <c>error</c> event.</summary>
public static class ErrorCodes
{
    public const string Timeout = "timeout";
    public const string UpstreamError = "upstream_error";
    public const string Unavailable = "unavailable";
    public const string Overloaded = "overloaded";
}
