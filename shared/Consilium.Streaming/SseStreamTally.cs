using System.Diagnostics.Metrics;
using System.Net.ServerSentEvents;
using System.Text;

namespace Consilium.Streaming;

/// <summary>
/// Counts the events and bytes one event stream writes and adds them to <c>consilium.sse.events</c> and
/// <c>consilium.sse.bytes</c> once, when the stream ends: per event it only adds two numbers, so the metric costs the
/// hot path nothing measurable (docs/observability.md). Bytes are the event's fields as framed on the wire (data as one
/// line, which every JSON payload is), without the heartbeats.
/// </summary>
public sealed class SseStreamTally : IDisposable
{
    /// <summary>The shared <c>Consilium</c> meter; OpenTelemetry listens to it by name.</summary>
    private static readonly Meter Meter = new("Consilium");
    private static readonly Counter<long> Events = Meter.CreateCounter<long>("consilium.sse.events", "{event}", "SSE events written to clients, counted when each stream ends.");
    private static readonly Counter<long> Bytes = Meter.CreateCounter<long>("consilium.sse.bytes", "By", "Bytes of SSE events written to clients, counted when each stream ends.");

    private long _events;
    private long _bytes;

    public void Add<T>(in SseItem<T> item)
    {
        _events++;
        // "data: " + data + "\n", then the blank line that ends the event.
        var size = 8L + item.Data switch
        {
            byte[] utf8 => utf8.Length,
            string text => Encoding.UTF8.GetByteCount(text),
            _ => 0,
        };
        if (item.EventType is { } type)
        {
            size += 8 + type.Length; // "event: " + type + "\n"
        }
        if (item.EventId is { } id)
        {
            size += 5 + id.Length; // "id: " + id + "\n"
        }
        _bytes += size;
    }

    public void Dispose()
    {
        if (_events > 0)
        {
            Events.Add(_events);
            Bytes.Add(_bytes);
            _events = 0;
        }
    }
}
