using Consilium.Streaming;

namespace Consilium.Benchmark.Measurement;

/// <summary>
/// Sends one streaming request and times it. Works for the model's raw Anthropic stream (ends with
/// <c>message_stop</c>) and for the agent format of <c>/v1/ask</c> and <c>/api/agent/{id}</c> (ends with <c>done</c>):
/// a text delta is a <c>content_block_delta</c> carrying a <c>text_delta</c>. Each event is stamped when the SSE parser
/// hands it over, so two deltas that arrived in one read show a gap near zero (coalescing is visible).
/// </summary>
public static class StreamTimer
{
    public static async Task<StreamSample> RunAsync(
        HttpClient http, HttpRequestMessage request, string terminalEvent, CancellationToken cancellationToken)
    {
        var start = Clock.Now();
        try
        {
            using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
            {
                return StreamSample.Failed($"HTTP {(int)response.StatusCode}", Clock.MsSince(start));
            }
            await using var body = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
            var gaps = new List<double>(256);
            long first = 0, previous = 0, end = 0;
            var deltas = 0;
            string? failure = "stream ended without a terminal event";
            await foreach (var item in SseReader.ReadAsync(body, cancellationToken).ConfigureAwait(false))
            {
                var now = Clock.Now();
                if (item.EventType == "content_block_delta" && item.Data.Contains("\"text_delta\"", StringComparison.Ordinal))
                {
                    if (deltas++ == 0)
                    {
                        first = now;
                    }
                    else
                    {
                        gaps.Add(Clock.Ms(previous, now));
                    }
                    previous = now;
                }
                else if (item.EventType == terminalEvent && end == 0)
                {
                    end = now;
                    failure = deltas == 0 ? "no text delta" : null;
                }
                else if (item.EventType == SseNames.Error && end == 0)
                {
                    end = now;
                    failure = "error event: " + Shorten(item.Data);
                }
            }
            return failure is null
                ? new StreamSample(null, Clock.Ms(start, first), Clock.Ms(start, end), gaps, deltas)
                : StreamSample.Failed(failure, Clock.MsSince(start));
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException || (ex is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            return StreamSample.Failed(ex.GetType().Name + ": " + ex.Message, Clock.MsSince(start));
        }
        finally
        {
            request.Dispose();
        }
    }

    private static string Shorten(string data) => data.Length <= 120 ? data : data[..120] + "…";
}
