using System.Net.Http.Headers;
using System.Text.Json;
using Consilium.Council;
using Consilium.Local.Topology;
using Consilium.Observability.Tests.Otlp;
using Consilium.Testing;

namespace Consilium.Observability.Tests;

/// <summary>One council, as its trace arrives at an OTLP receiver from the thirteen processes (docs/observability.md).</summary>
public sealed class CouncilTraceTests(TelemetryFixture fixture)
{
    /// <summary>Exports leave every 200 ms; the margin is for a loaded 2-core machine running other test projects at once.</summary>
    private static readonly TimeSpan Arrival = TimeSpan.FromSeconds(60);

    /// <summary>A phrase only the question carries: it must appear in no attribute, event or log.</summary>
    private const string Secretive = "Halvorsen cold-storage warehouse";

    [Fact]
    public async Task Council_OneTraceFromGatewayToModel_SpanTreeTokensAndFallback()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        using var client = fixture.Topology.CreateGatewayClient();
        // A stranger's trace context: the public edge must not adopt it.
        var foreignTrace = Convert.ToHexStringLower(Guid.NewGuid().ToByteArray());
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/consilium")
        {
            Content = JsonContent(new { message = $"Should we convert the {Secretive} into lofts? [[sim agent={TelemetryFixture.FailingAgent} fault=529 model={TelemetryFixture.FirstModel}]]" }),
        };
        request.Headers.TryAddWithoutValidation("traceparent", $"00-{foreignTrace}-{Convert.ToHexStringLower(Guid.NewGuid().ToByteArray())[..16]}-01");
        using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        Assert.True(response.IsSuccessStatusCode, $"{(int)response.StatusCode}: {await response.Content.ReadAsStringAsync(cancellationToken)}");
        var transcript = await SseClient.ReadToEndAsync(response, cancellationToken);
        var done = Assert.Single(transcript.OfType("done"));
        var sessionId = response.Headers.GetValues("Consilium-Session").Single();

        var receiver = fixture.Receiver;
        string? traceId = null;
        await receiver.WaitUntilAsync(r =>
        {
            traceId ??= r.Spans.FirstOrDefault(s => s.Name == "council" && s["consilium.session.id"] == sessionId)?.TraceId;
            if (traceId is null)
            {
                return false;
            }
            var trace = r.Spans.Where(s => s.TraceId == traceId).ToArray();
            return trace.Count(s => s.Scope == "Consilium.Agent") >= Roster.Ids.Count + 1
                && trace.Any(s => s.Name == "synthesis")
                && trace.Count(s => s.Service == TopologyPlan.SimulatorName) >= Roster.Ids.Count + 2
                // The gateway's request span ends last, after the stream's final bytes.
                && trace.FirstOrDefault(s => s.Service == TopologyPlan.GatewayName && IsRoot(s)) is { } gatewayRoot
                // Every span between the council and the root has arrived too (they are exported in batches).
                && trace.FirstOrDefault(s => s.Name == "council") is { } councilSpan
                && IsBelow(councilSpan, gatewayRoot, trace.DistinctBy(s => s.SpanId).ToDictionary(s => s.SpanId))
                && r.Logs.Any(l => l.TraceId == traceId && Body(l).Contains("ended done", StringComparison.Ordinal));
        }, Arrival, () => $"trace {traceId ?? "(no council span yet)"}: {string.Join("; ", receiver.Spans.Where(s => s.TraceId == traceId).Select(s => s.ToString()))}");

        var spans = receiver.Spans.Where(s => s.TraceId == traceId).ToArray();
        var byId = spans.ToDictionary(s => s.SpanId);
        Assert.NotEqual(foreignTrace, traceId);
        Assert.DoesNotContain(receiver.Spans, s => s.TraceId == foreignTrace);

        // The root is the gateway's public request; every service is in the one trace.
        var root = Assert.Single(spans, IsRoot);
        Assert.Equal(TopologyPlan.GatewayName, root.Service);
        var services = spans.Select(s => s.Service).ToHashSet();
        Assert.Contains(TopologyPlan.OrchestratorName, services);
        Assert.Contains(TopologyPlan.SimulatorName, services);
        Assert.All(Roster.Ids, id => Assert.Contains(TopologyPlan.AgentName(id), services));

        // council → agent ×10 (→ the HTTP call → the agent's request → chat <model> → the HTTP call → the simulator); synthesis.
        var council = Assert.Single(spans, s => s.Name == "council");
        Assert.Equal(TopologyPlan.OrchestratorName, council.Service);
        Assert.Equal("10", council["consilium.council.agents"]);
        Assert.Equal("done", council["consilium.council.outcome"]);
        Assert.True(IsBelow(council, root, byId), "the council span is not under the gateway's request");
        var agents = spans.Where(s => s.Name.StartsWith("agent ", StringComparison.Ordinal) && s.Scope == "Consilium.Orchestrator").ToArray();
        Assert.Equal(Roster.Ids.Order(), agents.Select(a => a["gen_ai.agent.name"]!).Order());
        Assert.All(agents, agent => Assert.Equal(council.SpanId, agent.ParentId));
        var synthesis = Assert.Single(spans, s => s.Name == "synthesis");
        Assert.Equal(council.SpanId, synthesis.ParentId);

        var usage = JsonDocument.Parse(done.Data).RootElement.GetProperty("usage");
        var total = new Dictionary<string, long>();
        foreach (var agent in agents)
        {
            var id = agent["gen_ai.agent.name"]!;
            var chats = spans.Where(s => s.Service == TopologyPlan.AgentName(id) && s.Name.StartsWith("chat ", StringComparison.Ordinal)).ToArray();
            Assert.All(chats, chat =>
            {
                Assert.True(IsBelow(chat, agent, byId), $"{chat} is not under {agent}");
                Assert.Equal("chat", chat["gen_ai.operation.name"]);
                Assert.Equal("anthropic", chat["gen_ai.provider.name"]);
                Assert.Equal(chat.Name["chat ".Length..], chat["gen_ai.request.model"]);
                Assert.Contains(spans, s => s.Service == TopologyPlan.SimulatorName && IsBelow(s, chat, byId));
            });
            var answered = Assert.Single(chats, chat => chat["error.type"] is null);
            Assert.Equal(answered["gen_ai.request.model"], answered["gen_ai.response.model"]);
            Assert.Equal("end_turn", answered["gen_ai.response.finish_reasons"]);
            Assert.NotNull(answered["gen_ai.response.time_to_first_chunk"]);
            Assert.Contains(answered.Span.Events, e => e.Name == "gen_ai.first_chunk");

            var agentDone = JsonDocument.Parse(transcript.OfType("agent_done").Single(e => e.Json.GetProperty("agent").GetString() == id).Data).RootElement;
            foreach (var (field, attribute) in TokenFields)
            {
                var reported = agentDone.GetProperty("usage").GetProperty(field).GetInt64();
                Assert.Equal(reported, chats.Sum(chat => long.Parse(chat[attribute] ?? "0")));
                Assert.Equal(reported.ToString(), agent[attribute]);
                total[field] = total.GetValueOrDefault(field) + reported;
            }

            if (id == TelemetryFixture.FailingAgent)
            {
                // The attempt that failed carries its error and the fallback; the next model answered.
                var failed = Assert.Single(chats, chat => chat["error.type"] is not null);
                Assert.Equal($"chat {TelemetryFixture.FirstModel}", failed.Name);
                Assert.Equal("529", failed["error.type"]);
                Assert.Equal(2, failed.Span.Status.Code); // STATUS_CODE_ERROR
                var retry = Assert.Single(failed.Span.Events, e => e.Name == "retry");
                Assert.Equal(answered["gen_ai.request.model"], Attributes.Of(retry.Attributes, "consilium.retry.next_model"));
                Assert.Contains(agent.Span.Events, e => e.Name == "retry");
            }
            else
            {
                Assert.Single(chats);
            }
        }
        // The council's done event: every agent's tokens and the synthesis call's.
        foreach (var (field, attribute) in TokenFields)
        {
            Assert.Equal(usage.GetProperty(field).GetInt64(), total[field] + long.Parse(synthesis[attribute] ?? "0"));
            Assert.Equal(usage.GetProperty(field).GetInt64().ToString(), council[attribute]);
        }

        // No message text anywhere by default: not in spans, not in logs.
        Assert.All(receiver.Spans, span => Assert.DoesNotContain(Attributes.AllTexts(span), text => text.Contains("Halvorsen", StringComparison.OrdinalIgnoreCase)));
        Assert.DoesNotContain(receiver.Logs, log => Body(log).Contains("Halvorsen", StringComparison.OrdinalIgnoreCase)
            || log.Record.Attributes.Any(a => Attributes.Text(a.Value).Contains("Halvorsen", StringComparison.OrdinalIgnoreCase)));

        // The council's start and end are logged once each, in its trace: the end with its duration, agents, tokens and cost.
        var started = Assert.Single(receiver.Logs, l => l.TraceId == traceId && Body(l).Contains(": started with", StringComparison.Ordinal));
        Assert.Contains($"Council {sessionId}: started with 10 agents", Body(started));
        var ended = Assert.Single(receiver.Logs, l => l.TraceId == traceId && Body(l).Contains("ended done", StringComparison.Ordinal));
        Assert.Contains(sessionId, Body(ended));
        Assert.Matches(@"ended done after \d+ ms, 10 agents ok, 0 failed, tokens in \d+ out \d+ cache read \d+ cache write \d+, cost [0-9.]+ USD", Body(ended));
        Assert.Contains($"out {usage.GetProperty("output_tokens").GetInt64()} ", Body(ended));

        // A call through a resilience pipeline that succeeds leaves no line: Polly's "Execution attempt" (Information,
        // once per agent call and per model call) is held at Warning; its retries and breaker changes still show.
        Assert.DoesNotContain(receiver.Logs, l => l.TraceId == traceId && l.Category.StartsWith("Polly", StringComparison.Ordinal) && l.Record.SeverityNumber < OtlpSeverityWarn);
    }

    /// <summary>OTLP's <c>SEVERITY_NUMBER_WARN</c>.</summary>
    private const int OtlpSeverityWarn = 13;

    private static readonly (string Field, string Attribute)[] TokenFields =
    [
        ("input_tokens", "gen_ai.usage.input_tokens"),
        ("output_tokens", "gen_ai.usage.output_tokens"),
        ("cache_read_input_tokens", "gen_ai.usage.cache_read.input_tokens"),
        ("cache_creation_input_tokens", "gen_ai.usage.cache_creation.input_tokens"),
    ];

    private static bool IsRoot(ReceivedSpan span) => span.ParentId.Length == 0 || span.ParentId == "0000000000000000";

    private static bool IsBelow(ReceivedSpan span, ReceivedSpan ancestor, IReadOnlyDictionary<string, ReceivedSpan> byId)
    {
        for (var current = span; byId.TryGetValue(current.ParentId, out var parent); current = parent)
        {
            if (parent.SpanId == ancestor.SpanId)
            {
                return true;
            }
        }
        return false;
    }

    private static string Body(ReceivedLog log) =>
        log.Record.Body is { } body ? Attributes.Text(body) : "";

    private static StringContent JsonContent(object body) =>
        new(JsonSerializer.Serialize(body), new MediaTypeHeaderValue("application/json"));
}
