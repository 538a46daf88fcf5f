using System.Diagnostics;
using Consilium.Orchestrator.Redis;
using Consilium.Telemetry;
using OpenTelemetry.Trace;

namespace Consilium.Orchestrator.Telemetry;

public static class OrchestratorTelemetryExtensions
{
    public const string TraceRedisVariable = "OTEL_TRACE_REDIS";

    /// <summary>
    /// The council's spans and metrics, and every Redis command as a span of the work that issued it (the replica's one
    /// connection, when <c>REDIS_URL</c> is set; <c>OTEL_TRACE_REDIS=false</c> turns them off) — except the session event
    /// log's write-behind mirror, which issues a command per event and runs under <see cref="RedisTracing.Untraced"/>
    /// (docs/observability.md#traces, "Redis commands").
    /// </summary>
    public static IHostApplicationBuilder AddOrchestratorTelemetry(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSingleton<CouncilMetrics>();
        builder.Services.AddSingleton<CouncilTelemetry>();
        if (!RedisTracing.Enabled(builder.Configuration))
        {
            return builder;
        }
        builder.Services.AddOpenTelemetry().WithTracing(tracing => tracing
            .AddRedisInstrumentation()
            .ConfigureRedisInstrumentation((provider, instrumentation) =>
            {
                if (provider.GetRequiredService<RedisConnection>().Multiplexer is { } multiplexer)
                {
                    instrumentation.AddConnection(multiplexer);
                }
            }));
        return builder;
    }
}

/// <summary>Which Redis commands become spans (docs/observability.md#traces, "Redis commands").</summary>
public static class RedisTracing
{
    /// <summary>On unless <c>OTEL_TRACE_REDIS</c> says false; a value other than true or false stops start-up naming it.</summary>
    public static bool Enabled(IConfiguration configuration) =>
        TelemetrySettings.Flag(configuration, OrchestratorTelemetryExtensions.TraceRedisVariable, whenUnset: true);

    /// <summary>
    /// Runs what follows (in this async flow) under a parent that is never recorded: the Redis instrumentation
    /// attaches the commands to it, and the SDK's parent-based sampler drops their spans, so the event log's
    /// per-event writes leave nothing in a trace. Dispose at the end of that work.
    /// </summary>
    public static IDisposable Untraced()
    {
        var parent = new Activity("consilium.redis.untraced");
        parent.SetParentId(ActivityTraceId.CreateRandom(), ActivitySpanId.CreateRandom(), ActivityTraceFlags.None);
        return parent.Start();
    }
}
