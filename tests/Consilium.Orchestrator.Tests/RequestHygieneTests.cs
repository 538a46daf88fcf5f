using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Consilium.Streaming;

namespace Consilium.Orchestrator.Tests;

public sealed class RequestHygieneTests(CouncilFixture council)
{
    /// <summary>A seat whose agent cannot be reached: a valid request gets a stream that fails fast, no model call.</summary>
    private const string Unreachable = "webb";

    private static readonly byte[] TooLarge = Encoding.UTF8.GetBytes($"{{\"message\":\"{new string('a', 70 * 1024)}\"}}");

    [Fact]
    public async Task PostAgent_UnknownAgent_Returns404Problem()
    {
        var ct = TestContext.Current.CancellationToken;
        using var client = council.CreateClient();

        using var response = await client.PostAsync("/api/agent/nobody", Json("{\"message\":\"hi\"}"), ct);

        var problem = await Problem.AssertAsync(response, HttpStatusCode.NotFound, ct);
        Assert.Contains("vasquez", problem.GetProperty("detail").GetString());
    }

    [Theory]
    [InlineData("text/plain")]
    [InlineData("application/x-www-form-urlencoded")]
    [InlineData("application/json; charset=utf-16")]
    public async Task PostAgent_NotJsonContentType_Returns415Problem(string contentType)
    {
        var ct = TestContext.Current.CancellationToken;
        using var client = council.CreateClient();
        using var content = new ByteArrayContent("{\"message\":\"hi\"}"u8.ToArray());
        content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);

        using var response = await client.PostAsync($"/api/agent/{Unreachable}", content, ct);

        await Problem.AssertAsync(response, HttpStatusCode.UnsupportedMediaType, ct);
    }

    [Fact]
    public async Task PostAgent_NoBody_Returns415Problem()
    {
        var ct = TestContext.Current.CancellationToken;
        using var client = council.CreateClient();

        using var response = await client.PostAsync($"/api/agent/{Unreachable}", content: null, ct);

        await Problem.AssertAsync(response, HttpStatusCode.UnsupportedMediaType, ct);
    }

    [Fact]
    public async Task PostAgent_BodyOver64KiBWithContentLength_Returns413Problem()
    {
        var ct = TestContext.Current.CancellationToken;
        using var client = council.CreateClient();
        using var content = new ByteArrayContent(TooLarge);
        content.Headers.ContentType = MediaTypeHeaderValue.Parse("application/json");

        using var response = await client.PostAsync($"/api/agent/{Unreachable}", content, ct);

        Assert.NotNull(response.RequestMessage?.Content?.Headers.ContentLength);
        await Problem.AssertAsync(response, HttpStatusCode.RequestEntityTooLarge, ct);
    }

    [Fact]
    public async Task PostAgent_BodyOver64KiBChunked_Returns413Problem()
    {
        var ct = TestContext.Current.CancellationToken;
        using var client = council.CreateClient();
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/api/agent/{Unreachable}") { Content = new ChunkedContent(TooLarge) };
        request.Headers.TransferEncodingChunked = true;

        using var response = await client.SendAsync(request, ct);

        await Problem.AssertAsync(response, HttpStatusCode.RequestEntityTooLarge, ct);
    }

    [Theory]
    [InlineData("{\"message\":")]
    [InlineData("{\"message\": 42}")]
    [InlineData("[\"hi\"]")]
    [InlineData("null")]
    [InlineData("")]
    [InlineData("{\"message\":\"a\",\"message\":\"b\"}")]
    public async Task PostAgent_MalformedJson_Returns400Problem(string body)
    {
        var ct = TestContext.Current.CancellationToken;
        using var client = council.CreateClient();

        using var response = await client.PostAsync($"/api/agent/{Unreachable}", Json(body), ct);

        await Problem.AssertAsync(response, HttpStatusCode.BadRequest, ct);
    }

    [Fact]
    public async Task PostAgent_InvalidUtf8_Returns400Problem()
    {
        var ct = TestContext.Current.CancellationToken;
        using var client = council.CreateClient();
        using var content = new ByteArrayContent([.. "{\"message\":\""u8, 0xC3, 0x28, 0xFF, .. "\"}"u8]);
        content.Headers.ContentType = MediaTypeHeaderValue.Parse("application/json");

        using var response = await client.PostAsync($"/api/agent/{Unreachable}", content, ct);

        var problem = await Problem.AssertAsync(response, HttpStatusCode.BadRequest, ct);
        Assert.Contains("UTF-8", problem.GetProperty("detail").GetString());
    }

    [Theory]
    [InlineData(0)]
    [InlineData(8001)]
    public async Task PostAgent_MessageLengthOutOfRange_Returns400Problem(int length)
    {
        var ct = TestContext.Current.CancellationToken;
        using var client = council.CreateClient();

        using var response = await client.PostAsync($"/api/agent/{Unreachable}", Json($"{{\"message\":\"{new string('a', length)}\"}}"), ct);

        var problem = await Problem.AssertAsync(response, HttpStatusCode.BadRequest, ct);
        Assert.Contains("message", problem.GetProperty("detail").GetString());
    }

    [Theory]
    [InlineData("{}")]
    [InlineData("{\"message\": null}")]
    [InlineData("{\"message\": \"   \"}")]
    public async Task PostAgent_MessageMissingOrBlank_Returns400Problem(string body)
    {
        var ct = TestContext.Current.CancellationToken;
        using var client = council.CreateClient();

        using var response = await client.PostAsync($"/api/agent/{Unreachable}", Json(body), ct);

        await Problem.AssertAsync(response, HttpStatusCode.BadRequest, ct);
    }

    [Fact]
    public async Task PostAgent_MessageOf8000Characters_IsAccepted()
    {
        var ct = TestContext.Current.CancellationToken;
        using var client = council.CreateClient();

        using var response = await client.PostAsync($"/api/agent/{Unreachable}", Json($"{{\"message\":\"{new string('a', 8000)}\"}}"), ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(SseNames.ContentType, response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task Get_UnknownPath_Returns404Problem()
    {
        var ct = TestContext.Current.CancellationToken;
        using var client = council.CreateClient();

        using var response = await client.GetAsync("/api/nothing-here", ct);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    private static StringContent Json(string body) => new(body, Encoding.UTF8, "application/json");

    /// <summary>A JSON body sent without a <c>Content-Length</c> (chunked), as a streaming client would.</summary>
    private sealed class ChunkedContent : HttpContent
    {
        private readonly byte[] _bytes;

        public ChunkedContent(byte[] bytes)
        {
            _bytes = bytes;
            Headers.ContentType = MediaTypeHeaderValue.Parse("application/json");
        }

        protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context)
        {
            for (var offset = 0; offset < _bytes.Length; offset += 8192)
            {
                await stream.WriteAsync(_bytes.AsMemory(offset, Math.Min(8192, _bytes.Length - offset)));
            }
        }

        protected override bool TryComputeLength(out long length)
        {
            length = 0;
            return false;
        }
    }
}
