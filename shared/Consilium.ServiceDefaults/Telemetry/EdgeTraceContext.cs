using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.DependencyInjection.Extensions;
using OpenTelemetry;
using OpenTelemetry.Context.Propagation;

namespace Consilium.Telemetry;

/// <summary>
/// At the public edge a request's <c>traceparent</c>, <c>tracestate</c> and <c>baggage</c> are ignored unless
/// <c>OTEL_TRUST_INCOMING_TRACEPARENT=true</c>: a stranger must not choose our trace ids (or join their requests to
/// someone else's trace). Every public request then starts a new trace, which the edge still passes on to the services
/// behind it.
/// </summary>
public static class EdgeTraceContext
{
    public static TBuilder AddEdgeTraceContext<TBuilder>(this TBuilder builder) where TBuilder : IHostApplicationBuilder
    {
        if (TelemetrySettings.Read(builder.Configuration, builder.Environment.ApplicationName).TrustIncomingTraceParent)
        {
            return builder;
        }
        // ASP.NET Core's hosting layer starts the request's activity from what this propagator extracts ...
        builder.Services.Replace(ServiceDescriptor.Singleton<DistributedContextPropagator>(
            new InjectOnlyPropagator(DistributedContextPropagator.CreateDefaultPropagator())));
        // ... and OpenTelemetry's ASP.NET Core instrumentation extracts again with its own default propagator.
        Sdk.SetDefaultTextMapPropagator(new NoExtractTextMapPropagator(
            new CompositeTextMapPropagator([new TraceContextPropagator(), new BaggagePropagator()])));
        return builder;
    }

    /// <summary>Writes the current context into outgoing requests; reads nothing from incoming ones.</summary>
    private sealed class InjectOnlyPropagator(DistributedContextPropagator inner) : DistributedContextPropagator
    {
        public override IReadOnlyCollection<string> Fields => inner.Fields;

        public override void Inject(Activity? activity, object? carrier, PropagatorSetterCallback? setter) =>
            inner.Inject(activity, carrier, setter);

        public override void ExtractTraceIdAndState(object? carrier, PropagatorGetterCallback? getter, out string? traceId, out string? traceState)
        {
            traceId = null;
            traceState = null;
        }

        public override IEnumerable<KeyValuePair<string, string?>>? ExtractBaggage(object? carrier, PropagatorGetterCallback? getter) => null;
    }

    private sealed class NoExtractTextMapPropagator(TextMapPropagator inner) : TextMapPropagator
    {
        public override ISet<string>? Fields => inner.Fields;

        public override void Inject<T>(PropagationContext context, T carrier, Action<T, string, string> setter) =>
            inner.Inject(context, carrier, setter);

        public override PropagationContext Extract<T>(PropagationContext context, T carrier, Func<T, string, IEnumerable<string>?> getter) =>
            context;
    }
}
