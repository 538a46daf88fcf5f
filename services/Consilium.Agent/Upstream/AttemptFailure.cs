using System.Net.Http.Headers;
using Consilium.Streaming;

namespace Consilium.Agent.Upstream;

/// <summary>
/// Why one model could not finish the answer, in the terms the fallback chain needs: whether the next model may be
/// tried, the status for the <c>retry</c> event (0 when there was no HTTP status) and the <c>error</c> code.
/// </summary>
public sealed record AttemptFailure(int Status, string Code, string Reason, bool Retryable, TimeSpan? RetryAfter = null)
{
    private const int MaxErrorBodyBytes = 4096;

    /// <summary>The model could not be reached: refused, reset or timed out before any response.</summary>
    public static AttemptFailure Unreachable(Exception exception) =>
        new(0, ErrorCodes.Unavailable, $"connection failed: {Describe(exception)}", Retryable: true);

    /// <summary>An HTTP error before the stream: 429 and 529 are overload, other 5xx upstream errors; 4xx is not retried.</summary>
    public static async Task<AttemptFailure> FromResponseAsync(HttpResponseMessage response, TimeProvider time, CancellationToken cancellationToken)
    {
        var status = (int)response.StatusCode;
        var body = await ReadErrorAsync(response, cancellationToken).ConfigureAwait(false);
        var error = AnthropicStreamEvent.Parse(AnthropicEventNames.Error, body);
        var reason = $"HTTP {status}" + (error.ErrorType is { } type ? $" {type}: {error.ErrorMessage}" : "");
        return status switch
        {
            429 or 529 => new(status, ErrorCodes.Overloaded, reason, Retryable: true, RetryAfterOf(response.Headers.RetryAfter, time)),
            >= 500 => new(status, ErrorCodes.UpstreamError, reason, Retryable: true, RetryAfterOf(response.Headers.RetryAfter, time)),
            _ => new(status, ErrorCodes.UpstreamError, reason, Retryable: false),
        };
    }

    /// <summary>An <c>event: error</c> inside the stream; the next model is tried only if no text was forwarded yet.</summary>
    public static AttemptFailure InStream(string? errorType, string? message, bool textForwarded) => new(
        0,
        errorType == "overloaded_error" ? ErrorCodes.Overloaded : ErrorCodes.UpstreamError,
        $"in-stream error {errorType ?? "api_error"}: {message}",
        Retryable: !textForwarded);

    /// <summary>The innermost cause, which says what happened ("Connection refused"), unlike the outer wrapper.</summary>
    public static string Describe(Exception exception) => exception.GetBaseException().Message.TrimEnd('.');

    /// <summary>The connection broke, or the stream ended without <c>message_stop</c>.</summary>
    public static AttemptFailure Broken(string reason, bool textForwarded) => new(
        0,
        textForwarded ? ErrorCodes.UpstreamError : ErrorCodes.Unavailable,
        reason,
        Retryable: !textForwarded);

    private static TimeSpan? RetryAfterOf(RetryConditionHeaderValue? header, TimeProvider time) => header switch
    {
        { Delta: { } delta } => delta,
        { Date: { } date } => date - time.GetUtcNow(),
        _ => null,
    };

    private static async Task<string> ReadErrorAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        await using var body = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        var buffer = new byte[MaxErrorBodyBytes];
        var length = 0;
        int read;
        while (length < buffer.Length && (read = await body.ReadAsync(buffer.AsMemory(length), cancellationToken).ConfigureAwait(false)) > 0)
        {
            length += read;
        }
        return System.Text.Encoding.UTF8.GetString(buffer, 0, length);
    }
}
