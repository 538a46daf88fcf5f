using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Consilium.Security.Tests.Support;

namespace Consilium.Security.Tests.Authentication;

/// <summary>
/// The resume endpoint accepts its session's <c>?resume=</c> token instead of the bearer (so a browser's native
/// <c>EventSource</c> can reconnect), and nothing else does.
/// </summary>
public sealed class ResumeTokenTests(LiveStack stack) : IClassFixture<LiveStack>
{
    [Fact]
    public async Task Resume_ItsOwnResumeTokenWithoutBearer_IsAdmitted()
    {
        var (sessionId, token) = await AskCouncilAsync();
        using var anonymous = stack.Orchestrator.CreateSocketClient();

        using var response = await anonymous.GetAsync($"api/consilium/sessions/{sessionId}/events?resume={Uri.EscapeDataString(token)}", TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        Assert.True(response.Headers.Contains("RateLimit-Limit"));
    }

    [Fact]
    public async Task Resume_WrongTokenOrAnotherSessionsToken_Is401()
    {
        var (sessionId, _) = await AskCouncilAsync();
        var (_, otherToken) = await AskCouncilAsync();
        using var anonymous = stack.Orchestrator.CreateSocketClient();

        using var wrong = await anonymous.GetAsync($"api/consilium/sessions/{sessionId}/events?resume=not-the-token", TestContext.Current.CancellationToken);
        using var other = await anonymous.GetAsync($"api/consilium/sessions/{sessionId}/events?resume={Uri.EscapeDataString(otherToken)}", TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.Unauthorized, wrong.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, other.StatusCode);
        Assert.Equal("Bearer", other.Headers.WwwAuthenticate.Single().Scheme);
    }

    [Fact]
    public async Task OtherEndpoints_AResumeTokenInsteadOfTheBearer_Is401()
    {
        var (_, token) = await AskCouncilAsync();
        using var anonymous = stack.Orchestrator.CreateSocketClient();

        using var agents = await anonymous.GetAsync($"api/agents?resume={Uri.EscapeDataString(token)}", TestContext.Current.CancellationToken);
        using var council = await anonymous.PostAsJsonAsync($"api/consilium?resume={Uri.EscapeDataString(token)}", new { message = "Buy?" }, TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.Unauthorized, agents.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, council.StatusCode);
    }

    private async Task<(string SessionId, string ResumeToken)> AskCouncilAsync()
    {
        using var client = stack.Orchestrator.CreateAuthorizedClient();
        using var response = await client.PostAsJsonAsync("api/consilium", new { message = "[[sim tokens=10]] Buy the corner lot?", agents = new[] { "vasquez" }, synthesis = false }, TestContext.Current.CancellationToken);
        var body = await response.Content.ReadAsStringAsync(TestContext.Current.CancellationToken);
        var data = body.Split('\n').SkipWhile(line => line != "event: session").Skip(1).First(line => line.StartsWith("data:", StringComparison.Ordinal));
        using var session = JsonDocument.Parse(data["data:".Length..]);
        return (session.RootElement.GetProperty("sessionId").GetString()!, session.RootElement.GetProperty("resumeToken").GetString()!);
    }
}
