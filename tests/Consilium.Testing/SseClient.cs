using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Runtime.CompilerServices;
using System.Text.Json;
using Consilium.Streaming;

namespace Consilium.Testing;

/// <summary>One event of a stream, with when it arrived (since reading began).</summary>
public sealed record TimedSseEvent(string EventType, string Data, string? EventId, TimeSpan Arrived)
{
    /// <summary>
    /// The text fragment this event carries: an Anthropic <c>content_block_delta</c>/<c>text_delta</c> (agent stream),
    /// or a council <c>delta</c>; null for any other event.
    /// </summary>
    public string? Text => EventType == "delta" ? CouncilText() : AnthropicStreamEvent.Parse(EventType, Data).Text;

    public bool IsTerminal => SseNames.IsTerminal(EventType);

    /// <summary>The data as JSON; throws when it is not JSON.</summary>
    public JsonElement Json
    {
        get
        {
            using var document = JsonDocument.Parse(Data);
            return document.RootElement.Clone();
        }
    }

    private string? CouncilText() =>
        JsonOrNull() is { ValueKind: JsonValueKind.Object } json
        && json.TryGetProperty("text", out var text) && text.ValueKind == JsonValueKind.String
            ? text.GetString()
            : null;

    private JsonElement? JsonOrNull()
    {
        try
        {
            return Json;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}

/// <summary>Everything one stream sent, in order.</summary>
public sealed class SseTranscript(IReadOnlyList<TimedSseEvent> events)
{
    public IReadOnlyList<TimedSseEvent> Events { get; } = events;

    public IReadOnlyList<string> Types => [.. Events.Select(e => e.EventType)];

    public IReadOnlyList<TimedSseEvent> TextEvents => [.. Events.Where(e => e.Text is not null)];

    /// <summary>The text fragments joined.</summary>
    public string Text => string.Concat(TextEvents.Select(e => e.Text));

    /// <summary>The last event when it is <c>done</c> or <c>error</c>; null when the stream closed without one.</summary>
    public TimedSseEvent? Terminal => Events.Count > 0 && Events[^1].IsTerminal ? Events[^1] : null;

    public IEnumerable<TimedSseEvent> OfType(string eventType) => Events.Where(e => e.EventType == eventType);

    /// <summary>A compact listing for assertion messages.</summary>
    public override string ToString() =>
        string.Join(Environment.NewLine, Events.Select(e => $"{e.Arrived.TotalMilliseconds,8:0} ms  {e.EventType}: {Shorten(e.Data)}"));

    private static string Shorten(string data) => data.Length <= 160 ? data : data[..160] + "...";
}

/// <summary>Sends requests whose answers are event streams and reads them with <see cref="SseReader"/>.</summary>
public static class SseClient
{
    /// <summary>POSTs JSON and returns as soon as the response headers arrive (the body is not buffered).</summary>
    public static Task<HttpResponseMessage> PostAsync<T>(HttpClient client, string path, T body, CancellationToken cancellationToken)
    {
        // A request built here does not take the client's defaults by itself: an HTTP/2 client must send HTTP/2.
        var request = new HttpRequestMessage(HttpMethod.Post, path)
        {
            Content = JsonContent.Create(body),
            Version = client.DefaultRequestVersion,
            VersionPolicy = client.DefaultVersionPolicy,
        };
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue(SseNames.ContentType));
        return client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
    }

    /// <summary>Yields each event as it arrives, stamped with the time since reading began.</summary>
    public static async IAsyncEnumerable<TimedSseEvent> ReadEventsAsync(
        HttpResponseMessage response,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var time = TimeProvider.System;
        var start = time.GetTimestamp();
        await using var body = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        await foreach (var item in SseReader.ReadAsync(body, cancellationToken).ConfigureAwait(false))
        {
            yield return new TimedSseEvent(item.EventType, item.Data, item.EventId, time.GetElapsedTime(start));
        }
    }

    /// <summary>Reads until the server closes the stream (not only until a terminal event, so events after one show up).</summary>
    public static async Task<SseTranscript> ReadToEndAsync(HttpResponseMessage response, CancellationToken cancellationToken = default)
    {
        var events = new List<TimedSseEvent>();
        await foreach (var item in ReadEventsAsync(response, cancellationToken).ConfigureAwait(false))
        {
            events.Add(item);
        }
        return new SseTranscript(events);
    }
}
