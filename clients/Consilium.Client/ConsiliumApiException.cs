using System.Net;

namespace Consilium.Client;

/// <summary>
/// The API refused a request: its <c>application/problem+json</c> answer (status, title, detail). On 429,
/// <see cref="RetryAfter"/> says when to try again.
/// </summary>
public sealed class ConsiliumApiException : Exception
{
    public ConsiliumApiException(HttpStatusCode status, string title, string detail, TimeSpan? retryAfter = null)
        : base($"{(int)status} {title}: {detail}")
    {
        Status = status;
        Title = title;
        Detail = detail;
        RetryAfter = retryAfter;
    }

    public HttpStatusCode Status { get; }

    public string Title { get; }

    public string Detail { get; }

    /// <summary>The <c>Retry-After</c> of a 429 (or 503), when the server sent one.</summary>
    public TimeSpan? RetryAfter { get; }
}

/// <summary>A council stream was lost and could not be resumed within the configured number of tries.</summary>
public sealed class ConsiliumStreamException(string message, Exception? inner = null) : Exception(message, inner);
