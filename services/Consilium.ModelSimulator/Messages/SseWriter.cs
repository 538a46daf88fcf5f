using System.Buffers;
using System.IO.Pipelines;
using System.Text;
using System.Text.Json;
using System.Text.Encodings.Web;

namespace Consilium.ModelSimulator.Messages;

/// <summary>
/// Writes one Anthropic stream event — <c>event: &lt;type&gt;</c>, <c>data: &lt;json&gt;</c>, blank line — straight into the
/// response pipe and flushes it, so every event leaves the moment it is produced. The data is single-line JSON (control
/// characters in text are escaped), so no text can break the framing.
/// </summary>
public sealed class SseWriter(PipeWriter pipe) : IDisposable
{
    private readonly Utf8JsonWriter _json = new(pipe, new JsonWriterOptions
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        SkipValidation = true,
    });

    /// <summary>
    /// <c>content_block_delta</c> events' bytes up to the text, the same as the serializer writes for
    /// <see cref="ContentBlockDeltaEvent"/> with index 0: the simulator sends one per token to every stream, and
    /// serialising the whole record each time was most of its CPU per delta in the benchmark (docs/benchmarks.md).
    /// </summary>
    private static readonly byte[] TextDeltaPrefix =
        "event: content_block_delta\ndata: {\"type\":\"content_block_delta\",\"index\":0,\"delta\":{\"type\":\"text_delta\",\"text\":"u8.ToArray();

    public async ValueTask WriteAsync<T>(string eventType, T data, CancellationToken cancellationToken)
    {
        pipe.Write("event: "u8);
        var name = pipe.GetSpan(Encoding.UTF8.GetMaxByteCount(eventType.Length));
        pipe.Advance(Encoding.UTF8.GetBytes(eventType, name));
        pipe.Write("\ndata: "u8);
        _json.Reset(pipe);
        JsonSerializer.Serialize(_json, data, WireJson.Of<T>());
        _json.Flush();
        pipe.Write("\n\n"u8);
        await pipe.FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>One text delta of content block 0, byte for byte what <see cref="WriteAsync{T}"/> writes for it.</summary>
    public async ValueTask WriteTextDeltaAsync(string text, CancellationToken cancellationToken)
    {
        pipe.Write(TextDeltaPrefix);
        _json.Reset(pipe);
        _json.WriteStringValue(text);
        _json.Flush();
        pipe.Write("}}\n\n"u8);
        await pipe.FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    public void Dispose() => _json.Dispose();
}
