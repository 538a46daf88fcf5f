using System.Net.ServerSentEvents;
using System.Threading.Channels;
using Consilium.Streaming.Tests.Support;
using Microsoft.Extensions.Time.Testing;

namespace Consilium.Streaming.Tests;

/// <summary>
/// <see cref="SseEventStream.ReadAllAsync"/> driven by the real <see cref="SseFormatter"/> into a stream that records
/// every write and flush, on a fake clock.
/// </summary>
public class SseEventStreamTests
{
    private static readonly TimeSpan Interval = TimeSpan.FromSeconds(15);
    private const string Ping = ": ping\n\n";
    private const string MissingTerminal = "event: error\ndata: {\"code\":\"unavailable\",\"message\":\"The stream ended before it was complete.\"}\n\n";

    [Fact]
    public async Task ReadAllAsync_SilenceOfOneInterval_WritesPingThenAgainEachInterval()
    {
        await using var stream = new Harness();
        stream.Write("a");
        await stream.WaitingAfterAsync("data: a\n\n");

        stream.Time.Advance(Interval - TimeSpan.FromMilliseconds(1));
        stream.Write("b");
        await stream.WaitingAfterAsync("data: a\n\ndata: b\n\n"); // no ping before the interval was up

        stream.Time.Advance(Interval);
        await stream.WaitingAfterAsync("data: a\n\ndata: b\n\n" + Ping);

        stream.Time.Advance(Interval);
        await stream.WaitingAfterAsync("data: a\n\ndata: b\n\n" + Ping + Ping);
    }

    [Fact]
    public async Task ReadAllAsync_EventsFlowingFasterThanTheInterval_WritesNoPing()
    {
        await using var stream = new Harness();
        var expected = "";
        for (var i = 0; i < 20; i++)
        {
            stream.Time.Advance(Interval - TimeSpan.FromSeconds(1)); // 280 s in all, never 15 s without an event
            stream.Write($"{i}");
            expected += $"data: {i}\n\n";
            await stream.WaitingAfterAsync(expected);
        }
    }

    [Fact]
    public async Task ReadAllAsync_EventsAndPingsTogether_WritesSerialisedAndNeverInsideAnEvent()
    {
        await using var stream = new Harness();
        var sent = new List<(string Type, string Data)>();
        var forcedPings = 0;
        for (var i = 0; i < 120; i++)
        {
            var data = $"{i} {new string('x', 2000)}\nsecond line of {i}";
            stream.Events.Writer.TryWrite(new SseItem<string>(data, "delta"));
            sent.Add(("delta", data));
            if (i % 10 == 0)
            {
                // Wait until the stream idles, so this heartbeat certainly fires.
                await Eventually.HoldsAsync(() => stream.Body.Log.Count > 0 && stream.Body.Log[^1] == RecordingStream.FlushMark && stream.Body.Text.Contains($"{i} x", StringComparison.Ordinal), () => $"event {i} flushed");
                stream.Time.Advance(Interval);
                forcedPings++;
            }
            else if (i % 3 == 0)
            {
                stream.Time.Advance(Interval); // racing whatever the stream is doing
            }
        }
        stream.Events.Writer.TryWrite(StreamEvents.Error(ErrorCodes.Timeout, "end"));
        sent.Add((SseNames.Error, "{\"code\":\"timeout\",\"message\":\"end\"}"));
        await Eventually.CompletesAsync(stream.Writing, "the stream ends after its terminal event");

        Assert.False(stream.Body.Overlapped, "two writes or flushes were in progress at once");
        var writes = stream.Body.Log.Where(entry => entry != RecordingStream.FlushMark).ToList();
        Assert.All(writes, write => Assert.True(
            write == Ping || (write.EndsWith("\n\n", StringComparison.Ordinal) && write.IndexOf("\n\n", StringComparison.Ordinal) == write.Length - 2),
            "every write is one ping or one whole event"));
        Assert.True(writes.Count(write => write == Ping) >= forcedPings, $"at least {forcedPings} pings were written");

        var read = new List<(string, string)>();
        await foreach (var item in SseReader.ReadAsync(new MemoryStream(System.Text.Encoding.UTF8.GetBytes(stream.Body.Text)), TestContext.Current.CancellationToken))
        {
            read.Add((item.EventType, item.Data));
        }
        Assert.Equal(sent, read);
    }

    [Fact]
    public async Task ReadAllAsync_NoFurtherEventReady_FlushesBeforeTheNextEventIsProduced()
    {
        await using var stream = new Harness();
        stream.Write("a");
        await stream.WaitingAfterAsync("data: a\n\n");

        stream.Write("b");
        await stream.WaitingAfterAsync("data: a\n\ndata: b\n\n");

        Assert.Equal([RecordingStream.FlushMark, "data: a\n\n", RecordingStream.FlushMark, "data: b\n\n", RecordingStream.FlushMark], stream.Body.Log);
    }

    [Fact]
    public async Task ReadAllAsync_SeveralEventsReady_WritesThemAllThenFlushesOnce()
    {
        await using var stream = new Harness(prefill: ["a", "b", "c"]);
        await stream.WaitingAfterAsync("data: a\n\ndata: b\n\ndata: c\n\n");

        Assert.Equal(["data: a\n\n", "data: b\n\n", "data: c\n\n", RecordingStream.FlushMark], stream.Body.Log);
    }

    [Fact]
    public async Task ReadAllAsync_ProducerCompletesWithoutTerminal_EndsWithErrorEvent()
    {
        await using var stream = new Harness();
        stream.Write("a");
        stream.Events.Writer.Complete();

        await Eventually.CompletesAsync(stream.Writing, "the stream ends when the producer completes");

        Assert.Equal("data: a\n\n" + MissingTerminal, stream.Body.Text);
    }

    [Fact]
    public async Task ReadAllAsync_ProducerFaults_EndsWithErrorEvent()
    {
        await using var stream = new Harness();
        stream.Write("a");
        await stream.WaitingAfterAsync("data: a\n\n");
        stream.Events.Writer.Complete(new InvalidOperationException("The producer failed."));

        await Eventually.CompletesAsync(stream.Writing, "the stream ends when the producer faults");

        Assert.Equal("data: a\n\n" + MissingTerminal, stream.Body.Text);
    }

    [Theory]
    [InlineData(SseNames.Done)]
    [InlineData(SseNames.Error)]
    public async Task ReadAllAsync_TerminalEvent_EndsThereWithNothingAfterIt(string terminal)
    {
        await using var stream = new Harness();
        stream.Write("a");
        stream.Events.Writer.TryWrite(new SseItem<string>("{}", terminal));
        stream.Write("after the terminal event");
        // The producer never completes the channel: the terminal event alone ends the stream.

        await Eventually.CompletesAsync(stream.Writing, $"the stream ends at its '{terminal}' event");

        Assert.Equal($"data: a\n\nevent: {terminal}\ndata: {{}}\n\n", stream.Body.Text);
    }

    [Fact]
    public async Task ReadAllAsync_CustomTerminalAndNoMissingTerminal_FollowsTheOptions()
    {
        var options = new SseStreamOptions { TerminalEvents = new HashSet<string> { "end" }, MissingTerminal = null };
        await using var first = new Harness(options);
        first.Events.Writer.TryWrite(new SseItem<string>("1", SseNames.Done)); // not terminal here
        first.Events.Writer.TryWrite(new SseItem<string>("2", "end"));
        first.Write("after");
        await using var second = new Harness(options);
        second.Write("a");
        second.Events.Writer.Complete();

        await Eventually.CompletesAsync(Task.WhenAll(first.Writing, second.Writing), "both streams end");

        Assert.Equal("event: done\ndata: 1\n\nevent: end\ndata: 2\n\n", first.Body.Text);
        Assert.Equal("data: a\n\n", second.Body.Text);
    }

    [Fact]
    public async Task ReadAllAsync_CancelledWhileWaiting_EndsWithoutTerminalOrPing()
    {
        await using var stream = new Harness();
        stream.Write("a");
        await stream.WaitingAfterAsync("data: a\n\n");

        await stream.Cancellation.CancelAsync();

        await Eventually.CompletesAsync(
            Assert.ThrowsAnyAsync<OperationCanceledException>(() => stream.Writing),
            "the cancelled stream ends");
        stream.Time.Advance(Interval);
        Assert.Equal("data: a\n\n", stream.Body.Text);
    }

    [Fact]
    public async Task ReadAllAsync_CancelledWhileEventsAreReady_StopsEnumerating()
    {
        var events = Channel.CreateUnbounded<SseItem<string>>();
        events.Writer.TryWrite(new SseItem<string>("a"));
        events.Writer.TryWrite(new SseItem<string>("b"));
        using var cancellation = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        var read = new List<string>();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            await foreach (var item in SseEventStream.ReadAllAsync(events.Reader, Stream.Null, new SseStreamOptions(), cancellation.Token))
            {
                read.Add(item.Data);
                await cancellation.CancelAsync();
            }
        });

        Assert.Equal(["a"], read);
    }

    [Fact]
    public async Task ReadAllAsync_WithoutCancellationToken_DeliversEachEventAsItComes()
    {
        // Channels hand out a shared waiter when the token cannot be cancelled; every wait here must still wake up.
        var events = Channel.CreateUnbounded<SseItem<string>>();
        var delivered = new SemaphoreSlim(0);
        var count = 0;
        var reading = Task.Run(async () =>
        {
            await foreach (var _ in SseEventStream.ReadAllAsync(events.Reader, Stream.Null, new SseStreamOptions()))
            {
                count++;
                delivered.Release();
            }
        }, TestContext.Current.CancellationToken);

        for (var i = 0; i < 200; i++)
        {
            events.Writer.TryWrite(new SseItem<string>($"{i}"));
            await Eventually.CompletesAsync(delivered.WaitAsync(TestContext.Current.CancellationToken), $"event {i} is delivered");
        }
        events.Writer.Complete();
        await Eventually.CompletesAsync(reading, "the enumeration ends when the producer completes");

        Assert.Equal(201, count); // and the missing terminal event
    }

    [Fact]
    public async Task ReadAllAsync_NonPositiveInterval_Throws()
    {
        var events = Channel.CreateUnbounded<SseItem<string>>();
        var options = new SseStreamOptions { HeartbeatInterval = TimeSpan.Zero };
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        deadline.CancelAfter(Eventually.Deadline); // without the check, it would ping in a loop until cancelled

        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(async () =>
        {
            await foreach (var _ in SseEventStream.ReadAllAsync(events.Reader, Stream.Null, options, deadline.Token))
            {
            }
        });
    }

    /// <summary>A channel, a fake clock and a recording body, with the formatter writing the stream into it.</summary>
    private sealed class Harness : IAsyncDisposable
    {
        public Harness(SseStreamOptions? options = null, IEnumerable<string>? prefill = null)
        {
            foreach (var data in prefill ?? [])
            {
                Write(data);
            }
            options = new SseStreamOptions
            {
                HeartbeatInterval = Interval,
                TimeProvider = Time,
                TerminalEvents = options?.TerminalEvents ?? new SseStreamOptions().TerminalEvents,
                MissingTerminal = options is null ? new SseStreamOptions().MissingTerminal : options.MissingTerminal,
            };
            Writing = SseFormatter.WriteAsync(SseEventStream.ReadAllAsync(Events.Reader, Body, options, Cancellation.Token), Body, Cancellation.Token);
        }

        public Channel<SseItem<string>> Events { get; } = Channel.CreateUnbounded<SseItem<string>>();
        public FakeTimeProvider Time { get; } = new();
        public RecordingStream Body { get; } = new();
        public CancellationTokenSource Cancellation { get; } = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        public Task Writing { get; }

        public void Write(string data) => Assert.True(Events.Writer.TryWrite(new SseItem<string>(data)));

        /// <summary>
        /// Waits until exactly <paramref name="text"/> was written and the stream is waiting for the next event: its
        /// last call was a flush, which it makes only after arming the heartbeat.
        /// </summary>
        public Task WaitingAfterAsync(string text) => Eventually.HoldsAsync(
            () => Body.Text == text && Body.Log[^1] == RecordingStream.FlushMark,
            () => $"expected the stream to be waiting after {Show(text)}; written: {Show(Body.Text)}");

        public async ValueTask DisposeAsync()
        {
            await Cancellation.CancelAsync();
            try
            {
                await Writing;
            }
            catch (OperationCanceledException)
            {
            }
            Cancellation.Dispose();
        }

        private static string Show(string text) => "\"" + text.Replace("\n", "\\n", StringComparison.Ordinal) + "\"";
    }
}
