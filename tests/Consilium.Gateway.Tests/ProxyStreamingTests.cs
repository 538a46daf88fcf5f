using System.Net;
using System.Net.Http.Headers;
using Consilium.Streaming;

namespace Consilium.Gateway.Tests;

public sealed class ProxyStreamingTests(GatewayFixture gateway)
{
    [Fact]
    public async Task Post_EventStream_FirstEventArrivesWhileUpstreamStillHoldsTheStream()
    {
        var ct = TestContext.Current.CancellationToken;
        var id = Guid.NewGuid().ToString("N");
        using var client = gateway.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/stream/{id}") { Content = new StringContent("") };
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));

        using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        await using var body = await response.Content.ReadAsStreamAsync(ct);
        await using var events = SseReader.ReadAsync(body, ct).GetAsyncEnumerator(ct);

        // A buffering proxy would hold this event until the upstream finished, which it does only when released.
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(ct);
        deadline.CancelAfter(TimeSpan.FromSeconds(10));
        var first = await events.MoveNextAsync().AsTask().WaitAsync(deadline.Token);
        Assert.True(first);
        Assert.Equal("first", events.Current.EventType);
        Assert.True(gateway.Upstream.IsHolding(id), "the upstream was still holding the stream open when the first event arrived");

        gateway.Upstream.Release(id);
        Assert.True(await events.MoveNextAsync());
        Assert.Equal("done", events.Current.EventType);
        Assert.Equal("{\"n\":2}", events.Current.Data);
        Assert.False(await events.MoveNextAsync());
    }
}
