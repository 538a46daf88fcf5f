using System.Diagnostics.Metrics;

namespace Consilium.Orchestrator.Security.RateLimiting;

/// <summary>The public edge's metrics on the <c>Consilium</c> meter.</summary>
public sealed class RateLimitMetrics
{
    public const string DecisionsName = "consilium.rate_limit.decisions";
    public const string RedisFailuresName = "consilium.rate_limit.redis_failures";
    public const string DegradedName = "consilium.rate_limit.degraded";
    public const string StreamRefusalsName = "consilium.council_streams.refused";

    public const string StoreRedis = "redis";
    public const string StoreInProcess = "in-process";

    private readonly Counter<long> _decisions;
    private readonly Counter<long> _redisFailures;
    private readonly Counter<long> _streamRefusals;

    public RateLimitMetrics(IMeterFactory meterFactory)
    {
        Meter = meterFactory.Create(ServiceDefaultsExtensions.MeterName);
        _decisions = Meter.CreateCounter<long>(DecisionsName, "{request}", "Rate-limit decisions, by store (redis, in-process) and result (admitted, rejected).");
        _redisFailures = Meter.CreateCounter<long>(RedisFailuresName, "{call}", "Redis calls of the rate limiter that failed or timed out; each fell back to the in-process limiter.");
        _streamRefusals = Meter.CreateCounter<long>(StreamRefusalsName, "{request}", "Council streams refused because the client had too many open.");
    }

    public Meter Meter { get; }

    /// <summary>Counts the decision and puts it on the request's span, so a rejected request shows why in its trace.</summary>
    public void Decided(string store, bool admitted)
    {
        var result = admitted ? "admitted" : "rejected";
        _decisions.Add(1, new("store", store), new("result", result));
        if (System.Diagnostics.Activity.Current is { IsAllDataRequested: true } request)
        {
            request.SetTag("consilium.rate_limit.store", store);
            request.SetTag("consilium.rate_limit.result", result);
        }
    }

    public void RedisFailed() => _redisFailures.Add(1);

    public void StreamRefused() => _streamRefusals.Add(1);
}
