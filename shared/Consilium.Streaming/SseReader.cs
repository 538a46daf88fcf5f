using System.Net.ServerSentEvents;
using System.Runtime.CompilerServices;
using System.Text;

namespace Consilium.Streaming;

/// <summary>Reads an event stream with the framework's <see cref="SseParser"/>; data is decoded as UTF-8.</summary>
/// <remarks>
/// What the parser does, as the tests pin it down: LF, CR and CRLF all end a line (also when split across reads);
/// a leading BOM is skipped; <c>data:</c> lines are joined with <c>\n</c>; comments and unknown fields are ignored;
/// one space after the colon is stripped; an event without data is not dispatched; an event not ended by a blank
/// line before the end of the stream is discarded. <see cref="SseItem{T}.EventId"/> and
/// <see cref="SseItem{T}.ReconnectionInterval"/> are set only on the event that carried <c>id:</c> / <c>retry:</c>;
/// the spec's persisting last event id (an id containing NUL ignored) is <see cref="SseParser{T}.LastEventId"/> of
/// the parser from <see cref="Create"/>.
/// <para>Where <see cref="SseParser"/> departs from the spec: an empty <c>event:</c> gives the type <c>""</c> rather
/// than <c>message</c> (<see cref="ReadAsync"/> corrects this); and an <c>event:</c> field in a block without data is
/// kept for the next event instead of being reset. Every producer Consilium reads (its own services and the Anthropic
/// API) writes a non-empty <c>event:</c> and <c>data:</c> together, so neither shows in practice.</para>
/// </remarks>
public static class SseReader
{
    private static readonly UTF8Encoding Utf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: false);

    /// <summary>
    /// The framework's parser over <paramref name="stream"/>, for readers that need its last event id or retry
    /// interval. Its events are as the parser makes them (an empty <c>event:</c> reads as <c>""</c>).
    /// </summary>
    public static SseParser<string> Create(Stream stream) =>
        SseParser.Create(stream, static (_, data) => Utf8.GetString(data));

    /// <summary>Reads the events of <paramref name="stream"/>; an event without a type (or with an empty one) is <c>message</c>.</summary>
    public static async IAsyncEnumerable<SseItem<string>> ReadAsync(
        Stream stream,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await foreach (var item in Create(stream).EnumerateAsync(cancellationToken).ConfigureAwait(false))
        {
            yield return item.EventType.Length > 0
                ? item
                : new(item.Data, SseParser.EventTypeDefault) { EventId = item.EventId, ReconnectionInterval = item.ReconnectionInterval };
        }
    }

    /// <summary>
    /// Reads the events of <paramref name="stream"/> with their data as the UTF-8 bytes that arrived (one array per
    /// event, no decoding), for a hop that forwards events verbatim; types as <see cref="ReadAsync"/> gives them.
    /// </summary>
    /// <remarks>
    /// Decoding every event's data into a UTF-16 string only to encode it again on the way out was a measurable part of
    /// each hop's CPU per delta in the benchmark (docs/benchmarks.md); this keeps the framework's parser and skips it.
    /// </remarks>
    public static async IAsyncEnumerable<SseItem<byte[]>> ReadUtf8Async(
        Stream stream,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var parser = SseParser.Create(stream, static (_, data) => data.ToArray());
        await foreach (var item in parser.EnumerateAsync(cancellationToken).ConfigureAwait(false))
        {
            yield return item.EventType.Length > 0
                ? item
                : new(item.Data, SseParser.EventTypeDefault) { EventId = item.EventId, ReconnectionInterval = item.ReconnectionInterval };
        }
    }

    /// <summary>Reads events up to and including the first terminal event (<c>done</c> or <c>error</c>), then stops.</summary>
    public static IAsyncEnumerable<SseItem<string>> ReadUntilTerminalAsync(Stream stream, CancellationToken cancellationToken = default) =>
        UntilTerminalAsync(ReadAsync(stream, cancellationToken), cancellationToken);

    /// <summary><see cref="ReadUtf8Async"/> up to and including the first terminal event (<c>done</c> or <c>error</c>).</summary>
    public static IAsyncEnumerable<SseItem<byte[]>> ReadUtf8UntilTerminalAsync(Stream stream, CancellationToken cancellationToken = default) =>
        UntilTerminalAsync(ReadUtf8Async(stream, cancellationToken), cancellationToken);

    private static async IAsyncEnumerable<SseItem<T>> UntilTerminalAsync<T>(
        IAsyncEnumerable<SseItem<T>> events,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await foreach (var item in events.WithCancellation(cancellationToken).ConfigureAwait(false))
        {
            yield return item;
            if (SseNames.IsTerminal(item.EventType))
            {
                yield break;
            }
        }
    }
}
