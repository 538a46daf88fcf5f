using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Consilium.Agent.Tests.Hosting;
using Consilium.Contracts;
using Consilium.Council.Conversations;
using Consilium.Council.Questions;

namespace Consilium.Agent.Tests.Api;

/// <summary>Bad bodies get problem+json with 415, 413 or 400 — never a stream, never a 500 (docs/api.md#public-api).</summary>
public sealed class AskValidationTests(AgentFixture fixture) : IClassFixture<AgentFixture>
{
    private readonly AgentHost _agent = fixture.Agent;

    public static TheoryData<string, string> BadJson => new()
    {
        { "{\"message\": ", "truncated JSON" },
        { "not json at all", "not JSON" },
        { "[]", "an array" },
        { "null", "null" },
        { "{}", "no message" },
        { "{\"message\": 42}", "message not a string" },
        { "{\"message\": null}", "null message" },
        { "{\"message\": \"\"}", "empty message" },
        { "{\"message\": \"" + new string('x', MessageRules.MaxLength + 1) + "\"}", "message over the limit" },
        { "{\"message\": \"hi\", \"history\": [{\"role\": \"user\", \"content\": \"q\"}]}", "history ending with a user turn" },
        { "{\"message\": \"hi\", \"history\": [{\"role\": \"assistant\", \"content\": \"a\"}, {\"role\": \"user\", \"content\": \"q\"}]}", "history starting with assistant" },
        { "{\"message\": \"hi\", \"history\": [{\"role\": \"user\", \"content\": \"\"}, {\"role\": \"assistant\", \"content\": \"a\"}]}", "history with an empty turn" },
        { "{\"message\": \"hi\", \"history\": [{\"role\": \"user\", \"content\": \"q\"}, {\"role\": \"system\", \"content\": \"a\"}]}", "history with a system turn" },
        { "{\"message\": \"hi\", \"history\": [null, {\"role\": \"assistant\", \"content\": \"a\"}]}", "history with a null turn" },
        { "{\"message\": \"hi\", \"history\": \"user: q\"}", "history not a list" },
        { "{\"message\": \"hi\", \"history\": [" + string.Join(",", Enumerable.Repeat("{\"role\": \"user\", \"content\": \"q\"}, {\"role\": \"assistant\", \"content\": \"a\"}", ThreadRules.MaxTurns / 2 + 1)) + "]}", "history over the turn limit" },
        { "{\"message\": \"hi\", \"sessionId\": \"" + new string('s', 257) + "\"}", "session id over 256 characters" },
    };

    [Theory]
    [MemberData(nameof(BadJson))]
    public async Task Ask_InvalidJsonBody_Returns400Problem(string body, string why)
    {
        using var response = await SendAsync(new StringContent(body, Encoding.UTF8, "application/json"));

        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{why}: got {(int)response.StatusCode}");
        await AskSecurityTests.AssertProblemAsync(response, 400);
    }

    [Fact]
    public async Task Ask_InvalidUtf8_Returns400Problem()
    {
        byte[] body = [.. "{\"message\": \"caf"u8, 0xC3, 0x28, .. "\"}"u8];
        var content = new ByteArrayContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");

        using var response = await SendAsync(content);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        await AskSecurityTests.AssertProblemAsync(response, 400);
    }

    [Theory]
    [InlineData("text/plain")]
    [InlineData("application/x-www-form-urlencoded")]
    [InlineData(null)]
    public async Task Ask_NotJson_Returns415Problem(string? contentType)
    {
        var content = new ByteArrayContent("{\"message\": \"hi\"}"u8.ToArray());
        if (contentType is not null)
        {
            content.Headers.ContentType = new MediaTypeHeaderValue(contentType);
        }

        using var response = await SendAsync(content);

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, response.StatusCode);
        await AskSecurityTests.AssertProblemAsync(response, 415);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Ask_BodyOverTheLimit_Returns413Problem(bool chunked)
    {
        var body = Encoding.UTF8.GetBytes("{\"message\": \"hi\", \"padding\": \"" + new string('p', AskRequest.MaxBodyBytes) + "\"}");
        HttpContent content = chunked ? new StreamContent(new MemoryStream(body)) : new ByteArrayContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");

        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/ask") { Content = content };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", AgentHost.Key);
        request.Headers.TransferEncodingChunked = chunked;
        using var response = await _agent.Http.SendAsync(request, TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        await AskSecurityTests.AssertProblemAsync(response, 413);
    }

    [Fact]
    public async Task Ask_MessageOf8000Characters_IsAccepted()
    {
        var message = "[[sim ttft=5 rate=2000 tokens=10]] " + new string('q', 8000 - 35);
        using var content = new StringContent($"{{\"message\": \"{message}\", \"extra\": true}}", Encoding.UTF8, "application/json");

        using var response = await SendAsync(content, HttpCompletionOption.ResponseHeadersRead);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task Ask_WithAThreadOfAlternatingTurns_IsAccepted()
    {
        var body = "{\"message\": \"And the cost? [[sim ttft=5 rate=2000 tokens=10]]\", \"history\": ["
            + "{\"role\": \"user\", \"content\": \"Build or wait?\"}, {\"role\": \"assistant\", \"content\": \"Wait.\"}]}";
        using var content = new StringContent(body, Encoding.UTF8, "application/json");

        using var response = await SendAsync(content, HttpCompletionOption.ResponseHeadersRead);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    private async Task<HttpResponseMessage> SendAsync(HttpContent content, HttpCompletionOption completion = HttpCompletionOption.ResponseContentRead)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/ask") { Content = content };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", AgentHost.Key);
        return await _agent.Http.SendAsync(request, completion, TestContext.Current.CancellationToken);
    }
}
