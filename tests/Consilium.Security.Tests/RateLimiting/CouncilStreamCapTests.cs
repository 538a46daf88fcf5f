using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using Consilium.Security.Tests.Support;
using Consilium.Testing;

namespace Consilium.Security.Tests.RateLimiting;

/// <summary>
/// The per-client cap on open council streams (<c>COUNCIL_STREAMS_PER_CLIENT</c>, default 2), over two real
/// orchestrator replicas sharing a real Redis, in front of real agents and the real simulator.
/// </summary>
public sealed class CouncilStreamCapTests(LiveStack stack, RedisFixture redis) : IClassFixture<LiveStack>, IClassFixture<RedisFixture>
{
    [Fact]
    public async Task AskCouncil_ThirdOpenStreamOnEitherReplica_Is429UntilOneCloses()
    {
        var ct = TestContext.Current.CancellationToken;
        var settings = stack.OrchestratorSettings(LiveStack.WebbKey);
        settings["REDIS_URL"] = redis.Url;
        settings["REDIS_KEY_PREFIX"] = redis.KeyPrefix;
        await using var a = new OrchestratorHost(settings);
        await using var b = new OrchestratorHost(settings);
        await a.InitializeAsync();
        await b.InitializeAsync();
        using var toA = a.CreateAuthorizedClient(Timeout.InfiniteTimeSpan);
        using var toB = b.CreateAuthorizedClient(Timeout.InfiniteTimeSpan);
        var client = TestClients.NewAddress();

        using var first = await OpenCouncilAsync(toA, client, ct);
        using var second = await OpenCouncilAsync(toB, client, ct);
        using var third = await OpenCouncilAsync(toB, client, ct);
        using var otherClient = await OpenCouncilAsync(toA, TestClients.NewAddress(), ct);

        Assert.Equal(HttpStatusCode.OK, first.StatusCode);
        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        Assert.Equal(HttpStatusCode.OK, otherClient.StatusCode);
        Assert.Equal(HttpStatusCode.TooManyRequests, third.StatusCode);
        Assert.Equal("application/problem+json", third.Content.Headers.ContentType?.MediaType);
        var problem = await third.Content.ReadFromJsonAsync<ProblemBody>(ct);
        Assert.Contains("council stream", problem!.Detail, StringComparison.Ordinal);
        Assert.NotNull(third.Headers.RetryAfter);

        first.Dispose(); // the client hangs up: its slot is given back when the response ends
        var clock = Stopwatch.StartNew();
        HttpStatusCode status;
        do
        {
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), "The slot of a closed stream was not given back within 10 s.");
            await Task.Delay(50, ct);
            using var retry = await OpenCouncilAsync(toB, client, ct);
            status = retry.StatusCode;
        }
        while (status == HttpStatusCode.TooManyRequests);
        Assert.Equal(HttpStatusCode.OK, status);
    }

    private static async Task<HttpResponseMessage> OpenCouncilAsync(HttpClient http, IPAddress client, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "api/consilium")
        {
            Content = JsonContent.Create(new { message = "[[sim ttft=8000 tokens=10]] Should we buy the logistics portfolio?", agents = new[] { "vasquez" }, synthesis = false }),
        };
        request.Headers.TryAddWithoutValidation("X-Forwarded-For", client.ToString());
        return await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
    }
}
