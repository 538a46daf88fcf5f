using System.Buffers;
using System.Diagnostics.CodeAnalysis;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using System.Text.Unicode;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Net.Http.Headers;

namespace Consilium.Contracts;

/// <summary>
/// Reads a request body of the wire contract (docs/api.md#public-api), the one reader of the orchestrator's public API
/// and the agent's <c>/v1/ask</c>: a JSON content type with no charset or UTF-8 (else 415); at most the body's
/// <see cref="IRequestBody{TSelf}.MaxBodyBytes"/> whether or not a <c>Content-Length</c> was sent (else 413; never
/// more than that is read); then a body that is not empty, is valid UTF-8 (a leading byte order mark is ignored, as
/// RFC 8259 allows) and is JSON of the body's shape — no duplicate property, at most 16 levels deep — whose values pass
/// its own checks (else 400). Every refusal is <c>application/problem+json</c>.
/// </summary>
/// <remarks>
/// Called from the handler, so the route group's auth layers run before a single body byte is read. The buffer is
/// rented from the shared pool and returned, so a request costs no fresh array of the body's limit.
/// </remarks>
public static class JsonBody
{

    /// <summary>The body type's own source-generated metadata under the reader's options, made once per type.</summary>
    private static class Metadata<T> where T : class, IRequestBody<T>
    {
        public static readonly JsonTypeInfo<T> TypeInfo = (JsonTypeInfo<T>)new JsonSerializerOptions(JsonSerializerDefaults.Web)
        {
            AllowDuplicateProperties = false,
            MaxDepth = 16,
            TypeInfoResolver = T.JsonMetadata,
        }.GetTypeInfo(typeof(T));
    }

    public static async Task<JsonBodyResult<T>> ReadAsync<T>(HttpRequest request, CancellationToken cancellationToken)
        where T : class, IRequestBody<T>
    {
        if (!IsUtf8Json(request.ContentType))
        {
            return BodyProblems.UnsupportedMediaType(request.ContentType);
        }
        var maxBytes = T.MaxBodyBytes;
        if (request.ContentLength > maxBytes)
        {
            return BodyProblems.TooLarge(maxBytes);
        }

        var buffer = ArrayPool<byte>.Shared.Rent(maxBytes + 1);
        try
        {
            int length;
            try
            {
                length = await ReadAtMostAsync(request.Body, buffer.AsMemory(0, maxBytes + 1), cancellationToken).ConfigureAwait(false);
            }
            catch (BadHttpRequestException ex)
            {
                return ex.StatusCode == StatusCodes.Status413PayloadTooLarge
                    ? BodyProblems.TooLarge(maxBytes)
                    : BodyProblems.BadRequest($"The request body could not be read ({ex.Message}).");
            }
            return length > maxBytes ? BodyProblems.TooLarge(maxBytes) : Parse<T>(buffer.AsSpan(0, length));
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static JsonBodyResult<T> Parse<T>(ReadOnlySpan<byte> json) where T : class, IRequestBody<T>
    {
        if (json.StartsWith("\uFEFF"u8))
        {
            json = json[3..];
        }
        if (json.Trim(" \t\r\n"u8).IsEmpty)
        {
            return BodyProblems.BadRequest($"The body is empty. Send {T.Shape}.");
        }
        if (!Utf8.IsValid(json))
        {
            return BodyProblems.BadRequest("The body is not valid UTF-8. Send JSON encoded as UTF-8.");
        }

        T? value;
        try
        {
            value = JsonSerializer.Deserialize(json, Metadata<T>.TypeInfo);
        }
        catch (JsonException ex)
        {
            var where = ex.LineNumber is { } line
                ? $" (at {ex.Path ?? "$"}, line {line + 1}, byte {ex.BytePositionInLine + 1})"
                : "";
            return BodyProblems.BadRequest($"The body is not valid JSON of the shape {T.Shape}{where}.");
        }
        if (value is null)
        {
            return BodyProblems.BadRequest($"The body must be a JSON object of the shape {T.Shape}.");
        }
        return value.Validate() is { } problem ? BodyProblems.BadRequest(problem) : new JsonBodyResult<T>(value);
    }

    /// <summary><c>application/json</c> or <c>application/*+json</c>, with no charset or UTF-8.</summary>
    private static bool IsUtf8Json(string? contentType)
    {
        if (!MediaTypeHeaderValue.TryParse(contentType, out var mediaType))
        {
            return false;
        }
        var isJson = mediaType.MediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase)
            || (mediaType.Type.Equals("application", StringComparison.OrdinalIgnoreCase)
                && mediaType.Suffix.Equals("json", StringComparison.OrdinalIgnoreCase));
        var charset = mediaType.Charset;
        return isJson && (charset.Length == 0
            || charset.Equals("utf-8", StringComparison.OrdinalIgnoreCase)
            || charset.Equals("utf8", StringComparison.OrdinalIgnoreCase));
    }

    /// <summary>Reads until the body ends or <paramref name="buffer"/> is full; a full buffer means the body was too large.</summary>
    private static async Task<int> ReadAtMostAsync(Stream body, Memory<byte> buffer, CancellationToken cancellationToken)
    {
        var total = 0;
        while (total < buffer.Length)
        {
            var read = await body.ReadAsync(buffer[total..], cancellationToken).ConfigureAwait(false);
            if (read == 0)
            {
                break;
            }
            total += read;
        }
        return total;
    }
}

/// <summary>Either the body that was read, or the problem to answer with.</summary>
public readonly struct JsonBodyResult<T> where T : class
{
    private readonly T? _value;
    private readonly ProblemHttpResult? _problem;

    public JsonBodyResult(T value) => _value = value;

    private JsonBodyResult(ProblemHttpResult problem) => _problem = problem;

    public bool TryGetValue([NotNullWhen(true)] out T? value, [NotNullWhen(false)] out ProblemHttpResult? problem)
    {
        value = _value;
        problem = _value is null ? _problem ?? BodyProblems.BadRequest("The request body is missing.") : null;
        return value is not null;
    }

    public static implicit operator JsonBodyResult<T>(ProblemHttpResult problem) => new(problem);
}
