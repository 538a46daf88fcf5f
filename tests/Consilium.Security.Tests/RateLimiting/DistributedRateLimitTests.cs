using System.Net;
using System.Net.Http.Json;
using Consilium.Orchestrator.Security.RateLimiting;
using Consilium.Security.Tests.Support;
using Consilium.Testing;
using StackExchange.Redis;

namespace Consilium.Security.Tests.RateLimiting;

/// <summary>Two real orchestrator replicas sharing one real Redis (docs/api.md#public-api layer 3).</summary>
public sealed class DistributedRateLimitTests(TwoReplicas replicas) : IClassFixture<TwoReplicas>
{
    private readonly RedisFixture redis = replicas.Redis;
    private readonly OrchestratorHost _a = replicas.A;
    private readonly OrchestratorHost _b = replicas.B;

    [Fact]
    public async Task Agents_HundredConcurrentFromOneIpOverTwoReplicas_AdmitsExactly20()
    {
        // One IP: the real TCP peer, 127.0.0.1, with no forwarding header. This class's Redis key prefix is its own.
        using var toA = _a.CreateAuthorizedClient();
        using var toB = _b.CreateAuthorizedClient();
        using var start = new SemaphoreSlim(0);
        var ct = TestContext.Current.CancellationToken;

        var requests = Enumerable.Range(0, 100).Select(async i =>
        {
            await start.WaitAsync(ct);
            using var response = await (i % 2 == 0 ? toA : toB).GetAsync("api/agents", ct);
            return (response.StatusCode, Headers: response.Headers.ToDictionary(h => h.Key, h => string.Join(",", h.Value), StringComparer.OrdinalIgnoreCase));
        }).ToList();
        start.Release(100);
        var responses = await Task.WhenAll(requests);

        Assert.Equal(20, responses.Count(r => r.StatusCode == HttpStatusCode.OK));
        Assert.Equal(80, responses.Count(r => r.StatusCode == HttpStatusCode.TooManyRequests));
        Assert.All(responses, r =>
        {
            Assert.Equal("20", r.Headers["RateLimit-Limit"]);
            Assert.InRange(int.Parse(r.Headers["RateLimit-Remaining"]), 0, 19);
            Assert.InRange(int.Parse(r.Headers["RateLimit-Reset"]), 1, 60);
        });
        Assert.All(responses.Where(r => r.StatusCode == HttpStatusCode.TooManyRequests), r =>
        {
            Assert.Equal("0", r.Headers["RateLimit-Remaining"]);
            Assert.InRange(int.Parse(r.Headers["Retry-After"]), 1, 60);
        });
        var key = redis.KeyPrefix + PublicRateLimiter.Key("127.0.0.1");
        Assert.Equal(20, await redis.Multiplexer.GetDatabase().SortedSetLengthAsync(key));
    }

    [Fact]
    public async Task Agents_Refused_IsProblemJsonWithRetryAfter()
    {
        var client = TestClients.NewAddress();
        using var http = _a.CreateAuthorizedClient();
        HttpResponseMessage? last = null;
        for (var i = 0; i < 21; i++)
        {
            last?.Dispose();
            using var request = TestClients.Get("api/agents", client);
            last = await http.SendAsync(request, TestContext.Current.CancellationToken);
        }

        using var refused = last!;
        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
        var problem = await refused.Content.ReadFromJsonAsync<ProblemBody>(TestContext.Current.CancellationToken);
        Assert.Equal(429, problem!.Status);
        Assert.Contains("Retry in", problem.Detail, StringComparison.Ordinal);
        Assert.NotNull(refused.Headers.RetryAfter?.Delta);
    }

    [Theory]
    [InlineData("GET", "api/agents", HttpStatusCode.OK)]
    [InlineData("POST", "api/agent/vasquez", HttpStatusCode.OK)]
    [InlineData("POST", "api/agent/nobody", HttpStatusCode.NotFound)]
    [InlineData("GET", "api/no-such-endpoint", HttpStatusCode.NotFound)]
    public async Task Api_EveryAdmittedResponse_CarriesRateLimitHeaders(string method, string path, HttpStatusCode expected)
    {
        using var http = _a.CreateAuthorizedClient();
        using var request = new HttpRequestMessage(new HttpMethod(method), path);
        request.Headers.TryAddWithoutValidation("X-Forwarded-For", TestClients.NewAddress().ToString());
        if (method == "POST")
        {
            request.Content = JsonContent.Create(new { message = "Should we buy the office park?" });
        }

        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, TestContext.Current.CancellationToken);

        Assert.Equal(expected, response.StatusCode);
        Assert.Equal("20", response.Headers.GetValues("RateLimit-Limit").Single());
        Assert.Equal("19", response.Headers.GetValues("RateLimit-Remaining").Single());
        Assert.Equal("60", response.Headers.GetValues("RateLimit-Reset").Single());
    }

    [Fact]
    public async Task Redis_AfterTraffic_NoKeyIsLeftWithoutAnExpiry()
    {
        using var http = _b.CreateAuthorizedClient();
        for (var i = 0; i < 5; i++)
        {
            using var request = TestClients.Get("api/agents", TestClients.NewAddress());
            using var _ = await http.SendAsync(request, TestContext.Current.CancellationToken);
        }

        var server = redis.Multiplexer.GetServers().First();
        var keys = new List<RedisKey>();
        await foreach (var key in server.KeysAsync(pattern: redis.KeyPrefix + "*"))
        {
            keys.Add(key);
        }

        Assert.NotEmpty(keys);
        foreach (var key in keys)
        {
            var ttl = await redis.Multiplexer.GetDatabase().KeyTimeToLiveAsync(key);
            Assert.True(ttl is not null, $"Redis key '{key}' has no expiry.");
        }
    }
}
