using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Consilium.Agent.Options;
using Consilium.Streaming;
using Microsoft.Extensions.Options;

namespace Consilium.Agent.Upstream;

/// <summary>
/// Sends one Messages request and hands back the response as soon as its headers arrive
/// (<see cref="HttpCompletionOption.ResponseHeadersRead"/>): the body is the live event stream. Nothing here retries;
/// switching models is <see cref="ModelFallbackChain"/>'s job, visible to the client as <c>retry</c> events.
/// </summary>
public sealed class AnthropicClient(HttpClient http, IOptions<UpstreamOptions> options)
{
    public const string AnthropicVersion = "2023-06-01";

    public async Task<HttpResponseMessage> SendAsync(MessagesRequest body, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, options.Value.MessagesUrl)
        {
            // Buffered, so the request carries a Content-Length rather than a chunked body.
            Content = new ByteArrayContent(JsonSerializer.SerializeToUtf8Bytes(body)) { Headers = { ContentType = new("application/json") } },
            Version = HttpVersion.Version11,
        };
        request.Headers.Add("x-api-key", options.Value.ApiKey);
        request.Headers.Add("anthropic-version", AnthropicVersion);
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue(SseNames.ContentType));
        return await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
    }
}
