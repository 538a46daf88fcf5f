using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using Consilium.Security.Tests.Support;

namespace Consilium.Security.Tests.HostileInput;

/// <summary>
/// docs/api.md#public-api request bodies, against a real orchestrator on a real socket: every refusal is a 4xx
/// <c>application/problem+json</c> with a detail, never a 500, and no agent is asked.
/// </summary>
public sealed class HostileInputTests(HostileInputTests.Orchestrator orchestrator) : IClassFixture<HostileInputTests.Orchestrator>, IDisposable
{
    private const int MaxBody = 64 * 1024;

    private readonly RecordingAgents _agents = orchestrator.Agents;
    private readonly HttpClient _client = orchestrator.Host.CreateAuthorizedClient();

    public static TheoryData<string> Endpoints => ["api/agent/vasquez", "api/consilium"];

    public sealed class Orchestrator() : RecordedOrchestrator(new Dictionary<string, string?> { ["RATE_LIMIT_PER_MINUTE"] = "100000" });

    public void Dispose() => _client.Dispose();

    [Theory]
    [MemberData(nameof(Endpoints))]
    public async Task Ask_BodyOver64KiBWithContentLength_Is413(string path)
    {
        using var content = new ByteArrayContent(Json(new string('a', MaxBody)));
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");

        using var response = await _client.PostAsync(path, content, TestContext.Current.CancellationToken);

        Assert.NotNull(content.Headers.ContentLength);
        await AssertProblemAsync(response, HttpStatusCode.RequestEntityTooLarge, "KiB");
    }

    [Theory]
    [MemberData(nameof(Endpoints))]
    public async Task Ask_BodyOver64KiBChunked_Is413(string path)
    {
        using var content = new StreamContent(new UnseekableStream(Json(new string('a', 4 * MaxBody))));
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = content };
        request.Headers.TransferEncodingChunked = true;

        using var response = await _client.SendAsync(request, TestContext.Current.CancellationToken);

        await AssertProblemAsync(response, HttpStatusCode.RequestEntityTooLarge, "KiB");
    }

    [Theory]
    [InlineData("api/agent/vasquez", "text/plain")]
    [InlineData("api/consilium", "application/x-www-form-urlencoded")]
    [InlineData("api/consilium", "application/xml")]
    [InlineData("api/agent/vasquez", "application/json; charset=utf-16")]
    [InlineData("api/consilium", null)]
    public async Task Ask_NotJson_Is415(string path, string? contentType)
    {
        using var content = new ByteArrayContent(Json("Is the office park a good conversion?"));
        content.Headers.ContentType = contentType is null ? null : MediaTypeHeaderValue.Parse(contentType);

        using var response = await _client.PostAsync(path, content, TestContext.Current.CancellationToken);

        await AssertProblemAsync(response, HttpStatusCode.UnsupportedMediaType, "application/json");
    }

    public static TheoryData<string, byte[], string> BadBodies()
    {
        var data = new TheoryData<string, byte[], string>();
        foreach (var path in new[] { "api/agent/vasquez", "api/consilium" })
        {
            data.Add(path, "{\"message\": \"unterminated"u8.ToArray(), "JSON");
            data.Add(path, "not json at all"u8.ToArray(), "JSON");
            data.Add(path, [.. "{\"message\": \"caf"u8, 0xC3, 0x28, .. "\"}"u8], "UTF-8");
            data.Add(path, [.. "{\"message\": \""u8, 0xFF, 0xFE, .. "\"}"u8], "UTF-8");
            data.Add(path, [], "empty");
            data.Add(path, "{}"u8.ToArray(), "message");
            data.Add(path, "{\"message\": \"\"}"u8.ToArray(), "message");
            data.Add(path, "{\"message\": \"   \"}"u8.ToArray(), "message");
            data.Add(path, "{\"message\": 42}"u8.ToArray(), "JSON");
            data.Add(path, "[\"message\"]"u8.ToArray(), "JSON");
            data.Add(path, "null"u8.ToArray(), "JSON");
            data.Add(path, Json(new string('x', 8001)), "8000");
            data.Add(path, Encoding.UTF8.GetBytes(new string('[', 5000) + new string(']', 5000)), "JSON");
        }
        data.Add("api/consilium", "{\"message\": \"Buy?\", \"agents\": [\"vasquez\", \"mallory\"]}"u8.ToArray(), "mallory");
        data.Add("api/consilium", "{\"message\": \"Buy?\", \"agents\": []}"u8.ToArray(), "agents");
        data.Add("api/consilium", "{\"message\": \"Buy?\", \"agents\": \"vasquez\"}"u8.ToArray(), "JSON");
        data.Add("api/consilium", "{\"message\": \"Buy?\", \"agents\": [null]}"u8.ToArray(), "agents");
        data.Add("api/consilium", "{\"message\": \"Buy?\", \"synthesis\": \"yes\"}"u8.ToArray(), "JSON");
        return data;
    }

    [Theory]
    [MemberData(nameof(BadBodies))]
    public async Task Ask_BadBody_Is400WithADetail(string path, byte[] body, string detailMentions)
    {
        using var content = new ByteArrayContent(body);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json");

        using var response = await _client.PostAsync(path, content, TestContext.Current.CancellationToken);

        await AssertProblemAsync(response, HttpStatusCode.BadRequest, detailMentions);
    }

    [Fact]
    public async Task Ask_UnknownAgentInThePath_Is404()
    {
        using var response = await _client.PostAsJsonAsync("api/agent/mallory", new { message = "Buy?" }, TestContext.Current.CancellationToken);

        await AssertProblemAsync(response, HttpStatusCode.NotFound, "mallory");
    }

    [Fact]
    public async Task Agents_OversizedHeaders_Is431()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "api/agents");
        request.Headers.TryAddWithoutValidation("X-Padding", new string('p', 40 * 1024));

        using var response = await _client.SendAsync(request, TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.RequestHeaderFieldsTooLarge, response.StatusCode);
    }

    [Fact]
    public async Task Agents_HundredsOfHeaders_IsRefused()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "api/agents");
        for (var i = 0; i < 300; i++)
        {
            request.Headers.TryAddWithoutValidation($"X-H{i}", "v");
        }

        using var response = await _client.SendAsync(request, TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.RequestHeaderFieldsTooLarge, response.StatusCode);
    }

    private async Task AssertProblemAsync(HttpResponseMessage response, HttpStatusCode status, string detailMentions)
    {
        Assert.Equal(status, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = await response.Content.ReadFromJsonAsync<ProblemBody>(TestContext.Current.CancellationToken);
        Assert.Equal((int)status, problem!.Status);
        Assert.False(string.IsNullOrWhiteSpace(problem.Title));
        Assert.Contains(detailMentions, problem.Detail, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain(_agents.Questions, q => q.Contains("/v1/ask", StringComparison.Ordinal));
    }

    private static byte[] Json(string message) => Encoding.UTF8.GetBytes($"{{\"message\": \"{message}\"}}");

    /// <summary>A body whose length HttpClient cannot know, so it is sent chunked.</summary>
    private sealed class UnseekableStream(byte[] data) : MemoryStream(data)
    {
        public override bool CanSeek => false;
    }
}
