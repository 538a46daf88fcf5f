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

    public async ValueTask WriteAsync<T>(string eventType, T data, CancellationToken cancellationToken)
    {
        pipe.Write("event: "u8);
        pipe.Write(Encoding.UTF8.GetBytes(eventType));
        pipe.Write("\ndata: "u8);
        _json.Reset(pipe);
        JsonSerializer.Serialize(_json, data, WireJson.Options);
        _json.Flush();
        pipe.Write("\n\n"u8);
        await pipe.FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    public void Dispose() => _json.Dispose();
}
