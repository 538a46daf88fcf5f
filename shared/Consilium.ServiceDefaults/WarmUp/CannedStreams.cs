using System.Diagnostics.Metrics;
using System.Net;
using System.Net.Http.Headers;
using System.Text;

namespace Consilium.ServiceDefaults.WarmUp;

/// <summary>
/// A complete Anthropic Messages event stream (<c>message_start</c> … <c>message_stop</c>), as a model sends it, for
/// a warm-up that runs a service's real path over canned input in memory.
/// </summary>
public static class CannedModelStream
{
    /// <summary>One <c>text_delta</c> per element of <paramref name="deltas"/>, then the end of the message.</summary>
    public static StringBuilder Build(IReadOnlyList<string> deltas)
    {
        var text = new StringBuilder();
        Append(text, "message_start", """{"type":"message_start","message":{"id":"msg_warm","type":"message","role":"assistant","content":[],"model":"warm-up","stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":1,"cache_creation_input_tokens":0,"cache_read_input_tokens":0,"output_tokens":1}}}""");
        Append(text, "content_block_start", """{"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}""");
        Append(text, "ping", """{"type":"ping"}""");
        foreach (var delta in deltas)
        {
            Append(text, "content_block_delta", """{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"""
                + System.Text.Json.JsonSerializer.Serialize(delta, CannedJson.Default.String) + "}}");
        }
        Append(text, "content_block_stop", """{"type":"content_block_stop","index":0}""");
        Append(text, "message_delta", """{"type":"message_delta","delta":{"stop_reason":"end_turn","stop_sequence":null},"usage":{"output_tokens":"""
            + deltas.Count.ToString(System.Globalization.CultureInfo.InvariantCulture) + "}}");
        Append(text, "message_stop", """{"type":"message_stop"}""");
        return text;
    }

    /// <summary>Appends one server-sent event.</summary>
    public static void Append(StringBuilder text, string type, string data) =>
        text.Append("event: ").Append(type).Append("\ndata: ").Append(data).Append("\n\n");
}

[System.Text.Json.Serialization.JsonSerializable(typeof(string))]
internal sealed partial class CannedJson : System.Text.Json.Serialization.JsonSerializerContext;

/// <summary>An HTTP peer in memory: every request is answered at once with <c>200</c> and the event stream chosen for it.</summary>
public sealed class CannedEventStreams(Func<HttpRequestMessage, byte[]> answer) : HttpMessageHandler
{
    protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
        Task.FromResult(new HttpResponseMessage(HttpStatusCode.OK)
        {
            Content = new ByteArrayContent(answer(request)) { Headers = { ContentType = new MediaTypeHeaderValue("text/event-stream") } },
            RequestMessage = request,
        });
}

/// <summary>
/// Meters no listener subscribes to (the services' telemetry listens to the meter named
/// <see cref="ServiceDefaultsExtensions.MeterName"/> only): what a warm-up does is not counted.
/// </summary>
public sealed class UnheardMeters(string name) : IMeterFactory
{
    private readonly List<Meter> _meters = [];

    public Meter Create(MeterOptions options)
    {
        var meter = new Meter(name);
        _meters.Add(meter);
        return meter;
    }

    public void Dispose() => _meters.ForEach(m => m.Dispose());
}
