using System.Net.ServerSentEvents;
using System.Runtime.CompilerServices;
using System.Text;

namespace Consilium.Streaming;

/// <summary>Reads an event stream with the framework's <see cref="SseParser"/>; data is decoded as UTF-8.</summary>
public static class SseReader
{
    private static readonly UTF8Encoding Utf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: false);

    public static IAsyncEnumerable<SseItem<string>> ReadAsync(Stream stream, CancellationToken cancellationToken = default) =>
        SseParser.Create(stream, static (_, data) => Utf8.GetString(data)).EnumerateAsync(cancellationToken);

    /// <summary>Reads events and also reports whether the stream ended with a terminal event (<c>done</c> or <c>error</c>).</summary>
    public static async IAsyncEnumerable<SseItem<string>> ReadUntilTerminalAsync(
        Stream stream,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await foreach (var item in ReadAsync(stream, cancellationToken).ConfigureAwait(false))
        {
            yield return item;
            if (item.EventType is SseNames.Done or SseNames.Error)
            {
                yield break;
            }
        }
    }
}
