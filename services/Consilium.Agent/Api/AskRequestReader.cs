using System.Text.Json;
using System.Text.Unicode;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Consilium.Agent.Api;

/// <summary>
/// Reads and checks an ask body: JSON only (415), at most 64 KiB (413), well-formed UTF-8 JSON (400) with a message of
/// 1..8000 characters (400). Every refusal is problem+json saying what to change.
/// </summary>
public static class AskRequestReader
{
    public const int MaxBodyBytes = 64 * 1024;

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public static async Task<(AskRequest? Request, ProblemHttpResult? Problem)> ReadAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        if (!request.HasJsonContentType())
        {
            return Refuse(StatusCodes.Status415UnsupportedMediaType, "Unsupported media type", "Send the body as JSON with 'Content-Type: application/json'.");
        }
        if (request.ContentLength > MaxBodyBytes)
        {
            return TooLarge();
        }

        var buffer = new byte[MaxBodyBytes + 1];
        var length = 0;
        int read;
        while (length < buffer.Length && (read = await request.Body.ReadAsync(buffer.AsMemory(length), cancellationToken)) > 0)
        {
            length += read;
        }
        if (length > MaxBodyBytes)
        {
            return TooLarge();
        }
        var body = buffer.AsSpan(0, length);
        if (!Utf8.IsValid(body))
        {
            return Invalid("The body is not valid UTF-8.");
        }

        AskRequest? ask;
        try
        {
            ask = JsonSerializer.Deserialize<AskRequest>(body, Json);
        }
        catch (JsonException ex)
        {
            return Invalid($"The body is not a JSON object of the form {{\"message\": string, \"sessionId\"?: string}}: {ex.Message}");
        }
        if (ask?.Message is not { } message)
        {
            return Invalid("The body needs a \"message\" string.");
        }
        if (message.Length is 0 or > AskRequest.MaxMessageLength)
        {
            return Invalid($"\"message\" must be 1 to {AskRequest.MaxMessageLength} characters long (it has {message.Length}).");
        }
        if (ask.SessionId is { Length: > AskRequest.MaxSessionIdLength })
        {
            return Invalid($"\"sessionId\" must be at most {AskRequest.MaxSessionIdLength} characters long.");
        }
        return (ask, null);
    }

    private static (AskRequest?, ProblemHttpResult?) TooLarge() =>
        Refuse(StatusCodes.Status413PayloadTooLarge, "Body too large", $"The body must be at most {MaxBodyBytes} bytes; shorten the message.");

    private static (AskRequest?, ProblemHttpResult?) Invalid(string detail) =>
        Refuse(StatusCodes.Status400BadRequest, "Invalid request body", detail);

    private static (AskRequest?, ProblemHttpResult?) Refuse(int status, string title, string detail) =>
        (null, TypedResults.Problem(statusCode: status, title: title, detail: detail));
}
