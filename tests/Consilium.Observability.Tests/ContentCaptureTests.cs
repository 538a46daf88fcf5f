using System.Text.Json;
using Consilium.Council;
using Consilium.Local.Topology;
using Consilium.Observability.Tests.Otlp;
using Consilium.Testing;

namespace Consilium.Observability.Tests;

/// <summary>
/// A second copy of the system for what the default copy must not have: every service with
/// <c>OTEL_CAPTURE_CONTENT=true</c>, and the orchestrator on a real Redis (so its commands are traced), exporting to a
/// receiver of its own (the default copy's test asserts that no text reaches its receiver).
/// </summary>
public sealed class CaptureFixture : IAsyncLifetime
{
    private ProcessTopology? _topology;
    private RedisServer? _redis;

    public OtlpReceiver Receiver { get; private set; } = null!;

    public ProcessTopology Topology => _topology ?? throw new InvalidOperationException("The topology has not started.");

    public async ValueTask InitializeAsync()
    {
        Receiver = await OtlpReceiver.StartAsync();
        _redis = await RedisServer.StartNewAsync(TestContext.Current.CancellationToken);
        var environment = TelemetryFixture.ExportingTo(Receiver, captureContent: true);
        environment["REDIS_URL"] = _redis.Url;
        environment["REDIS_KEY_PREFIX"] = "observability:";
        _topology = await ProcessTopology.StartAsync(environment, TestContext.Current.CancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        if (_topology is not null)
        {
            await _topology.DisposeAsync();
        }
        if (_redis is not null)
        {
            await _redis.DisposeAsync();
        }
        if (Receiver is not null)
        {
            await Receiver.DisposeAsync();
        }
    }
}

/// <summary>
/// <c>OTEL_CAPTURE_CONTENT=true</c> (docs/observability.md#traces, "Message text"): the question reaches the council span and
/// every agent's chat span as <c>gen_ai.input.messages</c> in the GenAI conventions' shape; the default is covered by
/// <see cref="CouncilTraceTests"/>, whose receiver must never see the text.
/// </summary>
public sealed class ContentCaptureTests(CaptureFixture fixture) : IClassFixture<CaptureFixture>
{
    private static readonly TimeSpan Arrival = TimeSpan.FromSeconds(60);

    private const string Phrase = "Brennecke gasworks";

    [Fact]
    public async Task Council_CaptureContentOn_QuestionOnTheCouncilAndEveryChatSpan()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        var question = $"Should we turn the {Phrase} into a market hall?";
        using var client = fixture.Topology.CreateGatewayClient();
        using var response = await SseClient.PostAsync(client, "/api/consilium", new { message = question, synthesis = false }, cancellationToken);
        Assert.True(response.IsSuccessStatusCode, $"{(int)response.StatusCode}: {await response.Content.ReadAsStringAsync(cancellationToken)}");
        var transcript = await SseClient.ReadToEndAsync(response, cancellationToken);
        Assert.Single(transcript.OfType("done"));
        var sessionId = response.Headers.GetValues("Consilium-Session").Single();

        var receiver = fixture.Receiver;
        ReceivedSpan[] Chats(OtlpReceiver r) =>
            [.. r.Spans.Where(s => s.Scope == "Consilium.Agent" && s.Name.StartsWith("chat ", StringComparison.Ordinal) && s["consilium.session.id"] == sessionId)];
        await receiver.WaitUntilAsync(
            r => r.Spans.Any(s => s.Name == "council" && s["consilium.session.id"] == sessionId)
                && Chats(r).Select(s => s.Service).Distinct().Count() == Roster.Ids.Count,
            Arrival,
            () => $"council span: {receiver.Spans.Any(s => s.Name == "council")}, chat spans from {string.Join(", ", Chats(receiver).Select(s => s.Service).Distinct())}");

        var council = Assert.Single(receiver.Spans, s => s.Name == "council" && s["consilium.session.id"] == sessionId);
        Assert.Equal(question, UserText(council));
        var chats = Chats(receiver);
        Assert.All(Roster.Ids, id =>
        {
            var chat = Assert.Single(chats, s => s.Service == TopologyPlan.AgentName(id));
            Assert.Equal(question, UserText(chat));
        });
        // Only there: the spans of the HTTP calls, the other services and the logs carry no text even now.
        Assert.All(receiver.Spans.Where(s => s.Name != "council" && !chats.Contains(s)), span =>
            Assert.DoesNotContain(Attributes.AllTexts(span), text => text.Contains(Phrase, StringComparison.Ordinal)));
        Assert.DoesNotContain(receiver.Logs, log =>
            (log.Record.Body is { } body && Attributes.Text(body).Contains(Phrase, StringComparison.Ordinal))
            || log.Record.Attributes.Any(a => Attributes.Text(a.Value).Contains(Phrase, StringComparison.Ordinal)));
    }

    /// <summary>The StackExchange.Redis instrumentation's scope: one span per Redis command.</summary>
    private const string RedisScope = "OpenTelemetry.Instrumentation.StackExchangeRedis";

    [Fact]
    public async Task Council_WithRedis_RateLimitAndResumeCommandsAreSpansTheEventLogMirrorIsNot()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        using var client = fixture.Topology.CreateGatewayClient();
        using var response = await SseClient.PostAsync(client, "/api/consilium", new { message = "Should the harbour get a second ferry berth?", synthesis = false }, cancellationToken);
        Assert.True(response.IsSuccessStatusCode, $"{(int)response.StatusCode}: {await response.Content.ReadAsStringAsync(cancellationToken)}");
        var transcript = await SseClient.ReadToEndAsync(response, cancellationToken);
        Assert.Single(transcript.OfType("done"));
        var sessionId = response.Headers.GetValues("Consilium-Session").Single();
        // A resume after the end: replays the log from the start, then 0 events more.
        using (var resumed = await client.GetAsync($"/api/consilium/sessions/{sessionId}/events", HttpCompletionOption.ResponseHeadersRead, cancellationToken))
        {
            Assert.True(resumed.IsSuccessStatusCode, $"resume: {(int)resumed.StatusCode}");
            await SseClient.ReadToEndAsync(resumed, cancellationToken);
        }

        var receiver = fixture.Receiver;
        ReceivedSpan? Request(OtlpReceiver r, string method) => r.Spans.FirstOrDefault(s =>
            s.Service == TopologyPlan.OrchestratorName && s.Name.StartsWith(method + " ", StringComparison.Ordinal)
            && (method == "POST" ? r.Spans.Any(c => c.Name == "council" && c["consilium.session.id"] == sessionId && c.TraceId == s.TraceId)
                : s["consilium.session.id"] == sessionId));
        ReceivedSpan[] RedisUnder(OtlpReceiver r, ReceivedSpan? parent) =>
            parent is null ? [] : [.. r.Spans.Where(s => s.Scope == RedisScope && s.TraceId == parent.TraceId && s.ParentId == parent.SpanId)];
        // The instrumentation hands over its spans every 10 s (its flush interval).
        await receiver.WaitUntilAsync(
            r => RedisUnder(r, Request(r, "POST")).Length > 0 && RedisUnder(r, Request(r, "GET")).Length > 0,
            TimeSpan.FromSeconds(90),
            () => $"POST request span: {Request(receiver, "POST")}, its Redis spans {RedisUnder(receiver, Request(receiver, "POST")).Length}; " +
                $"resume request span: {Request(receiver, "GET")}, its Redis spans {RedisUnder(receiver, Request(receiver, "GET")).Length}; " +
                $"Redis spans in all: {string.Join(", ", receiver.Spans.Where(s => s.Scope == RedisScope).Select(s => s.Name).Distinct())}");

        // The rate-limit decision and the council's leases are Redis commands in the request's trace; the event log's
        // write-behind mirror (an XADD per event, a PUBLISH per batch) leaves no span at all.
        var redis = receiver.Spans.Where(s => s.Scope == RedisScope).ToArray();
        Assert.All(redis, span => Assert.Equal(TopologyPlan.OrchestratorName, span.Service));
        Assert.DoesNotContain(redis, span => span.Name is "XADD" or "PUBLISH");
        var events = transcript.Events.Count;
        Assert.True(redis.Length < events, $"{redis.Length} Redis spans for a council of {events} events: is there one per event?");
    }

    /// <summary>The text of the one user message in <c>gen_ai.input.messages</c>: <c>[{"role":"user","parts":[{"type":"text","content":…}]}]</c>.</summary>
    private static string UserText(ReceivedSpan span)
    {
        var attribute = span["gen_ai.input.messages"];
        Assert.True(attribute is not null, $"{span} has no gen_ai.input.messages with OTEL_CAPTURE_CONTENT=true");
        var message = Assert.Single(JsonDocument.Parse(attribute).RootElement.EnumerateArray());
        Assert.Equal("user", message.GetProperty("role").GetString());
        var part = Assert.Single(message.GetProperty("parts").EnumerateArray());
        Assert.Equal("text", part.GetProperty("type").GetString());
        return part.GetProperty("content").GetString()!;
    }
}
