using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Consilium.Streaming;

namespace Consilium.Anthropic;

/// <summary>
/// Sends one Messages request and hands back the response as soon as its headers arrive
/// (<see cref="HttpCompletionOption.ResponseHeadersRead"/>): the body is the live event stream. Nothing here retries;
/// walking the model chain is the caller's job.
/// </summary>
public sealed class AnthropicClient(HttpClient http, AnthropicUpstream upstream)
{
    public AnthropicUpstream Upstream => upstream;

    public async Task<HttpResponseMessage> SendAsync(MessagesRequest body, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, upstream.MessagesUrl)
        {
            // Serialised up front, so the request carries a Content-Length rather than a chunked body.
            Content = new ByteArrayContent(JsonSerializer.SerializeToUtf8Bytes(body, MessagesJson.Default.MessagesRequest)) { Headers = { ContentType = new("application/json") } },
            Version = HttpVersion.Version11,
        };
        request.Headers.Add("x-api-key", upstream.ApiKey);
        request.Headers.Add("anthropic-version", AnthropicUpstream.AnthropicVersion);
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue(SseNames.ContentType));
        return await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
    }
}
