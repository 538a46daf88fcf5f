using System.Net.ServerSentEvents;
using System.Text;
using Consilium.Streaming.Tests.Support;

namespace Consilium.Streaming.Tests;

public class SseReaderTests
{
    /// <summary>One event with everything the reader says about it.</summary>
    public sealed record Parsed(string Type, string Data, string? Id = null, TimeSpan? Retry = null);

    private static readonly Dictionary<string, (string Input, Parsed[] Expected)> Cases = new()
    {
        ["LF line endings"] = ("event: a\ndata: 1\n\ndata: 2\n\n", [new("a", "1"), new("message", "2")]),
        ["CR line endings"] = ("event: a\rdata: 1\r\rdata: 2\r\r", [new("a", "1"), new("message", "2")]),
        ["CRLF line endings"] = ("event: a\r\ndata: 1\r\n\r\ndata: 2\r\n\r\n", [new("a", "1"), new("message", "2")]),
        // Read as CR then LF, a CRLF inside an event would end it early: "a" and "b" would arrive apart.
        ["CRLF inside an event"] = ("data: a\r\ndata: b\r\n\r\n", [new("message", "a\nb")]),
        ["mixed line endings"] = ("data: 1\r\ndata: 2\rdata: 3\n\r\ndata: 4\r\r", [new("message", "1\n2\n3"), new("message", "4")]),
        ["multi-byte UTF-8"] = ("data: é中🎉\n\nevent: 中é\ndata: 🎉x🎉\n\n", [new("message", "é中🎉"), new("中é", "🎉x🎉")]),
        ["leading BOM"] = ("\uFEFFdata: x\n\ndata: y\n\n", [new("message", "x"), new("message", "y")]),
        // Only one BOM is skipped; a second one is part of the field name, which is then unknown.
        ["two BOMs"] = ("\uFEFF\uFEFFdata: x\n\ndata: y\n\n", [new("message", "y")]),
        ["multi-line data"] = ("data: a\ndata:b\ndata:  c\ndata\n\n", [new("message", "a\nb\n c\n")]),
        ["empty data"] = ("data\n\ndata:\n\ndata: \n\n", [new("message", ""), new("message", ""), new("message", "")]),
        ["comments"] = (": ping\n\n:\n: comment\ndata: x\n: between\ndata: y\n\n", [new("message", "x\ny")]),
        ["blank lines before the first event"] = ("\n\r\n\r\n\ndata: x\n\n", [new("message", "x")]),
        ["one leading space stripped"] = ("event:e\ndata:none\n\nevent:  two\ndata:  two\n\n", [new("e", "none"), new(" two", " two")]),
        ["field without colon"] = ("event\ndata: x\n\nevent:\ndata: y\n\n", [new("message", "x"), new("message", "y")]),
        ["unknown fields"] = ("foo: bar\nDATA: no\nData: no\ndata: x\n\n", [new("message", "x")]),
        ["field names in data"] = ("data: data: x\ndata: event: done\n\n", [new("message", "data: x\nevent: done")]),
        // EventId is the id field of the event itself; the persisting last event id is the parser's (test below).
        ["id rules"] = (
            "id: 1\ndata: a\n\ndata: b\n\nid: 2\0x\ndata: c\n\nid\ndata: d\n\nid: 3\ndata: e\n\n",
            [new("message", "a", Id: "1"), new("message", "b"), new("message", "c"), new("message", "d", Id: ""), new("message", "e", Id: "3")]),
        ["retry rules"] = (
            "retry: 1500\ndata: a\n\nretry: abc\ndata: b\n\nretry\ndata: c\n\nretry: -5\ndata: d\n\nretry: 20\ndata: e\n\n",
            [
                new("message", "a", Retry: TimeSpan.FromMilliseconds(1500)),
                new("message", "b"), // not digits: ignored
                new("message", "c"),
                new("message", "d"),
                new("message", "e", Retry: TimeSpan.FromMilliseconds(20)),
            ]),
        ["incomplete last event"] = ("data: a\n\ndata: b", [new("message", "a")]),
        ["last event without its blank line"] = ("data: a\n\ndata: b\n", [new("message", "a")]),
        ["last CRLF event without its blank line"] = ("data: a\r\n\r\ndata: b\r\n", [new("message", "a")]),
        ["event without data"] = ("event: x\n\nid: 7\nevent: y\n\n", []),
    };

    public static TheoryData<string> CaseNames => [.. Cases.Keys];

    [Theory]
    [MemberData(nameof(CaseNames))]
    public async Task ReadAsync_InputSplitIntoReadsAtEveryOffset_ParsesTheSameEvents(string name)
    {
        var (input, expected) = Cases[name];
        var bytes = Encoding.UTF8.GetBytes(input);

        foreach (var (description, chunks) in SplitReads.Of(bytes))
        {
            var events = await ParseAsync(chunks);
            Assert.True(expected.SequenceEqual(events), $"{name}, {description}:\n expected {Show(expected)}\n got      {Show(events)}");
        }
    }

    [Fact]
    public async Task Create_IdFields_LastEventIdPersistsIgnoresNulAndResetsOnEmpty()
    {
        var bytes = Encoding.UTF8.GetBytes("id: 1\ndata: a\n\ndata: b\n\nid: 2\0x\ndata: c\n\nid\ndata: d\n\nid: 3\ndata: e\n\n");

        foreach (var (description, chunks) in SplitReads.Of(bytes))
        {
            var parser = SseReader.Create(new ScriptedStream(chunks));
            var lastIds = new List<string>();
            await foreach (var _ in parser.EnumerateAsync(TestContext.Current.CancellationToken))
            {
                lastIds.Add(parser.LastEventId);
            }
            Assert.True(lastIds.SequenceEqual(["1", "1", "1", "", "3"]), $"{description}: last event ids [{string.Join(", ", lastIds)}]");
        }
    }

    [Fact]
    public async Task Create_EmptyEventType_ReadsAsEmptyWhereReadAsyncSaysMessage()
    {
        // SseParser departs from the spec here (documented on SseReader); ReadAsync corrects it.
        var parser = SseReader.Create(new ScriptedStream([Encoding.UTF8.GetBytes("event:\ndata: x\n\n")]));
        var raw = new List<string>();
        await foreach (var item in parser.EnumerateAsync(TestContext.Current.CancellationToken))
        {
            raw.Add(item.EventType);
        }

        Assert.Equal([""], raw);
    }

    [Fact]
    public async Task ReadAsync_InvalidUtf8_DecodesAsReplacementCharacter()
    {
        byte[] input = [.. "data: a"u8, 0xFF, 0xC3, .. "\n\n"u8];

        var events = await ParseAsync([input]);

        Assert.Equal([new("message", "a\uFFFD\uFFFD")], events);
    }

    [Fact]
    public async Task ReadAsync_EventFieldInBlockWithoutData_TypeCarriesToNextEvent()
    {
        // SseParser's one deviation from the spec (documented on SseReader), pinned so a framework change shows up:
        // the spec resets the event type at a blank line even when no event is dispatched, which would give "message".
        var events = await ParseAsync([Encoding.UTF8.GetBytes("event: x\n\ndata: y\n\n")]);

        Assert.Equal([new("x", "y")], events);
    }

    [Theory]
    [InlineData(SseNames.Done)]
    [InlineData(SseNames.Error)]
    public async Task ReadUntilTerminalAsync_TerminalEventOnOpenConnection_StopsWithoutWaitingForTheEnd(string terminal)
    {
        // The connection stays open after the terminal event: the reader must stop at the event, not at the end.
        var stream = new ScriptedStream(
            [Encoding.UTF8.GetBytes("data: 1\n\n"), Encoding.UTF8.GetBytes($"event: {terminal}\ndata: {{}}\n\nevent: after\ndata: 2\n\n")],
            endless: true);

        var events = await Eventually.CompletesAsync(
            CollectAsync(SseReader.ReadUntilTerminalAsync(stream, TestContext.Current.CancellationToken)),
            $"ReadUntilTerminalAsync returns after the '{terminal}' event");

        Assert.Equal([("message", "1"), (terminal, "{}")], events);
    }

    [Fact]
    public async Task ReadUntilTerminalAsync_StreamEndsWithoutTerminal_YieldsEverythingThenEnds()
    {
        var stream = new ScriptedStream([Encoding.UTF8.GetBytes("event: retry\ndata: 1\n\ndata: 2\n\n")]);

        var events = await CollectAsync(SseReader.ReadUntilTerminalAsync(stream, TestContext.Current.CancellationToken));

        Assert.Equal([("retry", "1"), ("message", "2")], events);
    }

    [Fact]
    public async Task ReadAsync_Cancelled_StopsWaitingForTheStream()
    {
        using var cancellation = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        var stream = new ScriptedStream([Encoding.UTF8.GetBytes("data: 1\n\n")], endless: true);
        var events = SseReader.ReadAsync(stream, cancellation.Token).GetAsyncEnumerator(cancellation.Token);
        Assert.True(await events.MoveNextAsync());

        var next = events.MoveNextAsync().AsTask();
        await cancellation.CancelAsync();

        await Eventually.CompletesAsync(
            Assert.ThrowsAnyAsync<OperationCanceledException>(() => next),
            "the read waiting on an open connection ends when cancelled");
    }

    private static async Task<List<Parsed>> ParseAsync(byte[][] chunks)
    {
        var events = new List<Parsed>();
        await foreach (var item in SseReader.ReadAsync(new ScriptedStream(chunks), TestContext.Current.CancellationToken))
        {
            events.Add(new(item.EventType, item.Data, item.EventId, item.ReconnectionInterval));
        }
        return events;
    }

    private static async Task<List<(string Type, string Data)>> CollectAsync(IAsyncEnumerable<SseItem<string>> items)
    {
        var events = new List<(string, string)>();
        await foreach (var item in items)
        {
            events.Add((item.EventType, item.Data));
        }
        return events;
    }

    private static string Show(IEnumerable<Parsed> events) =>
        "[" + string.Join(", ", events.Select(e => e.ToString()
            .Replace("\r", "\\r", StringComparison.Ordinal)
            .Replace("\n", "\\n", StringComparison.Ordinal)
            .Replace("\0", "\\0", StringComparison.Ordinal))) + "]";
}
