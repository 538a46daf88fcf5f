using Consilium.Observability.Tests.Otlp.Proto;
using Google.Protobuf;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Consilium.Observability.Tests.Otlp;

/// <summary>
/// An OTLP/HTTP receiver on a real loopback socket: accepts <c>POST /v1/traces</c>, <c>/v1/metrics</c> and
/// <c>/v1/logs</c> as <c>application/x-protobuf</c>, as a collector does, and keeps what it was sent. Waiting for
/// telemetry is a wait on the next export, never a sleep.
/// </summary>
public sealed class OtlpReceiver : IAsyncDisposable
{
    private const string Protobuf = "application/x-protobuf";

    private readonly WebApplication _app;
    private readonly Lock _gate = new();
    private readonly List<ReceivedSpan> _spans = [];
    private readonly List<ReceivedMetric> _metrics = [];
    private readonly List<ReceivedLog> _logs = [];
    private TaskCompletionSource _arrived = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private OtlpReceiver(WebApplication app) => _app = app;

    public Uri Endpoint { get; private set; } = null!;

    public static async Task<OtlpReceiver> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        var app = builder.Build();
        var receiver = new OtlpReceiver(app);
        app.MapPost("/v1/traces", context => receiver.ReceiveAsync(context, ExportTraceServiceRequest.Parser, receiver.Add));
        app.MapPost("/v1/metrics", context => receiver.ReceiveAsync(context, ExportMetricsServiceRequest.Parser, receiver.Add));
        app.MapPost("/v1/logs", context => receiver.ReceiveAsync(context, ExportLogsServiceRequest.Parser, receiver.Add));
        await app.StartAsync();
        receiver.Endpoint = new Uri(app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First());
        return receiver;
    }

    public IReadOnlyList<ReceivedSpan> Spans
    {
        get
        {
            lock (_gate)
            {
                return [.. _spans];
            }
        }
    }

    public IReadOnlyList<ReceivedMetric> Metrics
    {
        get
        {
            lock (_gate)
            {
                return [.. _metrics];
            }
        }
    }

    public IReadOnlyList<ReceivedLog> Logs
    {
        get
        {
            lock (_gate)
            {
                return [.. _logs];
            }
        }
    }

    /// <summary>Waits, export by export, until <paramref name="condition"/> holds; fails with <paramref name="describe"/> after <paramref name="timeout"/>.</summary>
    public async Task WaitUntilAsync(Func<OtlpReceiver, bool> condition, TimeSpan timeout, Func<string> describe)
    {
        using var cancel = new CancellationTokenSource(timeout);
        while (true)
        {
            Task next;
            lock (_gate)
            {
                next = _arrived.Task;
            }
            if (condition(this))
            {
                return;
            }
            try
            {
                await next.WaitAsync(cancel.Token);
            }
            catch (OperationCanceledException)
            {
                throw new TimeoutException($"The telemetry expected did not arrive within {timeout.TotalSeconds:0} s: {describe()}");
            }
        }
    }

    private async Task ReceiveAsync<T>(HttpContext context, MessageParser<T> parser, Action<T> add) where T : IMessage<T>
    {
        if (context.Request.ContentType?.StartsWith(Protobuf, StringComparison.OrdinalIgnoreCase) != true)
        {
            context.Response.StatusCode = StatusCodes.Status415UnsupportedMediaType;
            return;
        }
        using var body = new MemoryStream();
        await context.Request.Body.CopyToAsync(body);
        add(parser.ParseFrom(body.ToArray()));
        TaskCompletionSource arrived;
        lock (_gate)
        {
            arrived = _arrived;
            _arrived = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        }
        arrived.TrySetResult();
        // An empty Export*ServiceResponse: full success.
        context.Response.ContentType = Protobuf;
    }

    private void Add(ExportTraceServiceRequest request)
    {
        lock (_gate)
        {
            foreach (var resource in request.ResourceSpans)
            {
                var service = Attributes.Of(resource.Resource?.Attributes, "service.name") ?? "";
                foreach (var scope in resource.ScopeSpans)
                {
                    foreach (var span in scope.Spans)
                    {
                        _spans.Add(new ReceivedSpan(service, resource.Resource, scope.Scope?.Name ?? "", span));
                    }
                }
            }
        }
    }

    private void Add(ExportMetricsServiceRequest request)
    {
        lock (_gate)
        {
            foreach (var resource in request.ResourceMetrics)
            {
                var service = Attributes.Of(resource.Resource?.Attributes, "service.name") ?? "";
                foreach (var scope in resource.ScopeMetrics)
                {
                    foreach (var metric in scope.Metrics)
                    {
                        _metrics.Add(new ReceivedMetric(service, metric));
                    }
                }
            }
        }
    }

    private void Add(ExportLogsServiceRequest request)
    {
        lock (_gate)
        {
            foreach (var resource in request.ResourceLogs)
            {
                var service = Attributes.Of(resource.Resource?.Attributes, "service.name") ?? "";
                foreach (var scope in resource.ScopeLogs)
                {
                    foreach (var record in scope.LogRecords)
                    {
                        _logs.Add(new ReceivedLog(service, scope.Scope?.Name ?? "", record));
                    }
                }
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}

public sealed record ReceivedSpan(string Service, Resource? Resource, string Scope, Span Span)
{
    public string TraceId => Span.TraceId.ToBase16();

    public string SpanId => Span.SpanId.ToBase16();

    public string ParentId => Span.ParentSpanId.ToBase16();

    public string Name => Span.Name;

    public string? this[string attribute] => Attributes.Of(Span.Attributes, attribute);

    public override string ToString() => $"{Service}: {Name} ({SpanId} ← {ParentId})";
}

public sealed record ReceivedMetric(string Service, Metric Metric);

public sealed record ReceivedLog(string Service, string Category, LogRecord Record)
{
    public string TraceId => Record.TraceId.ToBase16();
}

public static class Attributes
{
    public static string ToBase16(this ByteString bytes) => Convert.ToHexStringLower(bytes.Span);

    /// <summary>An attribute's value as text (arrays joined by commas), or null when absent.</summary>
    public static string? Of(IEnumerable<KeyValue>? attributes, string key) =>
        attributes?.FirstOrDefault(attribute => attribute.Key == key) is { } found ? Text(found.Value) : null;

    public static string Text(AnyValue? value) => value?.ValueCase switch
    {
        AnyValue.ValueOneofCase.StringValue => value.StringValue,
        AnyValue.ValueOneofCase.BoolValue => value.BoolValue ? "true" : "false",
        AnyValue.ValueOneofCase.IntValue => value.IntValue.ToString(System.Globalization.CultureInfo.InvariantCulture),
        AnyValue.ValueOneofCase.DoubleValue => value.DoubleValue.ToString(System.Globalization.CultureInfo.InvariantCulture),
        AnyValue.ValueOneofCase.ArrayValue => string.Join(",", value.ArrayValue.Values.Select(Text)),
        AnyValue.ValueOneofCase.KvlistValue => string.Join(",", value.KvlistValue.Values.Select(kv => $"{kv.Key}={Text(kv.Value)}")),
        AnyValue.ValueOneofCase.BytesValue => value.BytesValue.ToBase16(),
        _ => "",
    };

    /// <summary>Every text an attribute, event or resource of these spans carries.</summary>
    public static IEnumerable<string> AllTexts(ReceivedSpan span) =>
        span.Span.Attributes.Select(a => Text(a.Value))
            .Concat(span.Span.Events.SelectMany(e => e.Attributes.Select(a => Text(a.Value)).Append(e.Name)))
            .Concat(span.Resource?.Attributes.Select(a => Text(a.Value)) ?? [])
            .Append(span.Span.Name)
            .Append(span.Span.Status?.Message ?? "");
}
