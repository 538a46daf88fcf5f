using System.Net.ServerSentEvents;
using System.Text.Json;
using System.Threading.Channels;

namespace Consilium.Streaming.Tests;

/// <summary>
/// Data that looks like SSE framing, written through the real path (<see cref="SseEventStream"/> and
/// <see cref="SseFormatter"/>) and read back with <see cref="SseReader"/>: it never becomes a second event.
/// </summary>
public class HostileDataTests
{
    private const string Hostile = "first\n\nevent: done\ndata: x\n\nid: 9\nretry: 1\n: comment\n\0 é中🎉\n";

    [Fact]
    public async Task RoundTrip_DataWithFramingLookalikesNulAndMultiByte_ArrivesIdenticalAsOneEvent()
    {
        var events = await RoundTripAsync(new SseItem<string>(Hostile, "delta"));

        Assert.Equal([("delta", Hostile, (string?)null)], events);
    }

    [Fact]
    public async Task RoundTrip_DataWithCarriageReturns_ArrivesAsOneEventWithLineFeeds()
    {
        // SSE has no way to carry a CR in data: the formatter ends a line at a lone CR or a CRLF, the reader joins
        // the lines with LF. Framing holds; the text changes. Consilium's data is JSON, where neither occurs (below).
        var events = await RoundTripAsync(new SseItem<string>("a\rb\r\nc\r\rd\r", "delta"));

        Assert.Equal([("delta", "a\nb\nc\n\nd\n", (string?)null)], events);
    }

    [Fact]
    public async Task RoundTrip_HostileTextAsJson_ArrivesByteForByte()
    {
        var text = Hostile + "\r lone CR \r\n CRLF \u2028 \uFEFF";

        var events = await RoundTripAsync(StreamEvents.Create("delta", new { agent = "cross", text }));

        var (type, data, _) = Assert.Single(events);
        Assert.Equal("delta", type);
        using var document = JsonDocument.Parse(data);
        Assert.Equal(text, document.RootElement.GetProperty("text").GetString());
    }

    [Theory]
    [InlineData("delta\nevent: done")]
    [InlineData("delta\r")]
    public void SseItem_LineBreakInEventTypeOrId_IsRefused(string value)
    {
        Assert.Throws<ArgumentException>(() => new SseItem<string>("{}", value));
        Assert.Throws<ArgumentException>(() => new SseItem<string>("{}", "delta") { EventId = value });
    }

    /// <summary>Writes the item and a terminal <c>done</c> as a response would be written, then reads the bytes back.</summary>
    private static async Task<List<(string Type, string Data, string? Id)>> RoundTripAsync(SseItem<string> item)
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        var events = Channel.CreateUnbounded<SseItem<string>>();
        events.Writer.TryWrite(item);
        events.Writer.TryWrite(StreamEvents.Done("m", Usage.Zero, 1, 1));
        using var body = new MemoryStream();
        await SseFormatter.WriteAsync(SseEventStream.ReadAllAsync(events.Reader, body, new SseStreamOptions(), cancellationToken), body, cancellationToken);

        body.Position = 0;
        var read = new List<(string, string, string?)>();
        await foreach (var parsed in SseReader.ReadAsync(body, cancellationToken))
        {
            read.Add((parsed.EventType, parsed.Data, parsed.EventId));
        }
        Assert.Equal(SseNames.Done, read[^1].Item1); // the terminal event after the hostile one is still its own
        return read[..^1];
    }
}
