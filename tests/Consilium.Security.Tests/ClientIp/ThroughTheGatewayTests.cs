using System.Net;
using Consilium.Gateway;
using Consilium.Orchestrator.Security.RateLimiting;
using Consilium.Security.Tests.Support;

namespace Consilium.Security.Tests.ClientIp;

/// <summary>
/// The real gateway in front of two real orchestrators sharing a real Redis: whatever a client claims about its address,
/// the limit is counted against the address the gateway saw, across both replicas.
/// </summary>
public sealed class ThroughTheGatewayTests(TwoReplicas replicas) : IClassFixture<TwoReplicas>
{
    [Fact]
    public async Task Agents_SpoofedAddressHeadersThroughTheGateway_AreCountedAgainstTheRealPeer()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var gateway = new KestrelHost<GatewayApp>(new Dictionary<string, string?>
        {
            ["ORCHESTRATOR_URLS"] = $"{replicas.A.BaseAddress},{replicas.B.BaseAddress}",
        });
        await gateway.InitializeAsync();
        using var http = gateway.CreateSocketClient();
        http.DefaultRequestHeaders.Authorization = new("Bearer", OrchestratorHost.Secret);

        var statuses = new List<HttpStatusCode>();
        for (var i = 0; i < 24; i++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "api/agents");
            var claimed = $"203.0.113.{i + 1}";
            request.Headers.TryAddWithoutValidation("X-Forwarded-For", claimed);
            request.Headers.TryAddWithoutValidation("Forwarded", $"for={claimed}");
            request.Headers.TryAddWithoutValidation("CF-Connecting-IP", claimed);
            request.Headers.TryAddWithoutValidation("X-Real-IP", claimed);
            using var response = await http.SendAsync(request, ct);
            statuses.Add(response.StatusCode);
        }

        Assert.Equal(20, statuses.Count(s => s == HttpStatusCode.OK));
        Assert.Equal(4, statuses.Count(s => s == HttpStatusCode.TooManyRequests));
        var keys = new List<string>();
        await foreach (var key in replicas.Redis.Multiplexer.GetServers().First().KeysAsync(pattern: replicas.Redis.KeyPrefix + "ratelimit:*"))
        {
            keys.Add(key!);
        }
        Assert.DoesNotContain(keys, key => key.Contains("203.0.113.", StringComparison.Ordinal));
        Assert.Contains(replicas.Redis.KeyPrefix + PublicRateLimiter.Key("127.0.0.1"), keys);
    }
}
