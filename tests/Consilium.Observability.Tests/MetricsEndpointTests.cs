using System.Globalization;
using System.Net;
using System.Text;
using System.Text.RegularExpressions;
using Consilium.Local.Topology;
using Consilium.Testing;

namespace Consilium.Observability.Tests;

/// <summary>
/// The Prometheus text on <c>METRICS_PORT</c> after a council, the same metrics over OTLP, and the public listeners
/// serving none of it (docs/observability.md).
/// </summary>
public sealed partial class MetricsEndpointTests(TelemetryFixture fixture)
{
    [Fact]
    public async Task MetricsPort_AfterCouncil_ServesGenAiAndCouncilMetrics()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        await AskCouncilAsync(cancellationToken);

        // Counted when each stream ends and a council ends: read until the council is in.
        var orchestrator = await ScrapeUntilAsync(TopologyPlan.OrchestratorName, text => Value(text, "consilium_councils_total", "outcome=\"done\"") >= 1, cancellationToken);
        Assert.True(Value(orchestrator, "consilium_gen_ai_cost_USD_total", $"agent=\"{TelemetryFixture.FailingAgent}\"") > 0, Excerpt(orchestrator, "consilium_gen_ai_cost"));
        Assert.True(Value(orchestrator, "consilium_gen_ai_cost_USD_total", "agent=\"synthesis\"") > 0, Excerpt(orchestrator, "consilium_gen_ai_cost"));
        Assert.Equal(0, Value(orchestrator, "consilium_council_streams_open", null));
        Assert.Equal(0, Value(orchestrator, "consilium_council_agent_streams_open", $"agent=\"{TelemetryFixture.FailingAgent}\""));
        Assert.True(Value(orchestrator, "consilium_rate_limit_decisions_total", "result=\"admitted\"") >= 1, Excerpt(orchestrator, "consilium_rate_limit"));
        Assert.True(Value(orchestrator, "consilium_sse_events_total", null) >= 10, Excerpt(orchestrator, "consilium_sse"));
        Assert.True(Value(orchestrator, "consilium_sse_bytes_total", null) > Value(orchestrator, "consilium_sse_events_total", null) * 8);

        var agent = await ScrapeUntilAsync(TopologyPlan.AgentName(TelemetryFixture.FailingAgent),
            text => Value(text, "gen_ai_client_token_usage_count", "gen_ai_token_type=\"output\"") >= 1, cancellationToken);
        Assert.True(Value(agent, "gen_ai_client_token_usage_sum", "gen_ai_token_type=\"input\"") > 0, Excerpt(agent, "gen_ai_client_token_usage_sum"));
        Assert.True(Value(agent, "gen_ai_client_token_usage_sum", "gen_ai_token_type=\"output\"") > 0);
        Assert.True(Value(agent, "gen_ai_client_operation_duration_seconds_count", null) >= 2, Excerpt(agent, "gen_ai_client_operation_duration_seconds_count"));
        Assert.True(Value(agent, "gen_ai_client_operation_duration_seconds_count", "error_type=\"529\"") >= 1, "the failed attempt is counted with its error type");
        var ttft = Value(agent, "gen_ai_client_operation_time_to_first_chunk_seconds_sum", null) / Value(agent, "gen_ai_client_operation_time_to_first_chunk_seconds_count", null);
        Assert.InRange(ttft, 0.000_1, 30);
        Assert.True(Value(agent, "gen_ai_client_operation_time_per_output_chunk_seconds_count", null) >= 1, Excerpt(agent, "time_per_output_chunk"));
        Assert.True(Value(agent, "consilium_gen_ai_cache_read_ratio_count", null) >= 1, Excerpt(agent, "cache_read_ratio"));
        Assert.True(Value(agent, "consilium_agent_fallbacks_total", $"model=\"{TelemetryFixture.FirstModel}\"") >= 1, Excerpt(agent, "consilium_agent_fallbacks"));
        Assert.Equal(0, Value(agent, "consilium_agent_streams_open", null));

        // The same instruments reach the OTLP receiver.
        await fixture.Receiver.WaitUntilAsync(
            r => r.Metrics.Any(m => m.Service == TopologyPlan.AgentName(TelemetryFixture.FailingAgent) && m.Metric.Name == "gen_ai.client.token.usage")
                && r.Metrics.Any(m => m.Service == TopologyPlan.OrchestratorName && m.Metric.Name == "consilium.councils"),
            TimeSpan.FromSeconds(30),
            () => string.Join(", ", fixture.Receiver.Metrics.Select(m => $"{m.Service}:{m.Metric.Name}").Distinct()));
    }

    [Fact]
    public async Task PublicListeners_Metrics_AreNotServed()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        using var gateway = fixture.Topology.CreateGatewayClient();
        using var fromGateway = await gateway.GetAsync("/metrics", cancellationToken);
        var gatewayText = await fromGateway.Content.ReadAsStringAsync(cancellationToken);
        Assert.NotEqual(HttpStatusCode.OK, fromGateway.StatusCode);
        Assert.DoesNotContain("# TYPE", gatewayText);

        using var orchestrator = ProcessTopology.CreateClient(fixture.Topology.OrchestratorUrl, fixture.Topology.Secret);
        using var fromOrchestrator = await orchestrator.GetAsync("/metrics", cancellationToken);
        Assert.NotEqual(HttpStatusCode.OK, fromOrchestrator.StatusCode);
        Assert.DoesNotContain("# TYPE", await fromOrchestrator.Content.ReadAsStringAsync(cancellationToken));

        // While the gateway's own METRICS_PORT does serve them.
        var own = await ScrapeAsync(TopologyPlan.GatewayName, cancellationToken);
        Assert.Contains("# TYPE", own);
    }

    private async Task AskCouncilAsync(CancellationToken cancellationToken)
    {
        using var client = fixture.Topology.CreateGatewayClient();
        using var response = await SseClient.PostAsync(client, "/api/consilium",
            new { message = $"Is a build-to-rent scheme in Leeds worth it? [[sim agent={TelemetryFixture.FailingAgent} fault=529 model={TelemetryFixture.FirstModel}]]" },
            cancellationToken);
        var transcript = await SseClient.ReadToEndAsync(response, cancellationToken);
        Assert.Equal("done", transcript.Terminal?.EventType);
    }

    private async Task<string> ScrapeAsync(string service, CancellationToken cancellationToken)
    {
        // 10 s was not always enough on the shared 2-core machine under a load average near 100 (other builds and tests).
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(60) };
        using var response = await http.GetAsync($"http://127.0.0.1:{fixture.MetricsPorts[service]}/metrics", cancellationToken);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadAsStringAsync(cancellationToken);
    }

    /// <summary>Scrapes until <paramref name="ready"/> (a stream's and a council's counts land when they end), at most 30 s.</summary>
    private async Task<string> ScrapeUntilAsync(string service, Func<string, bool> ready, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        string text;
        // Each scrape is a real request answered from the current aggregation; asking again is not a guess about timing.
        while (!ready(text = await ScrapeAsync(service, cancellationToken)))
        {
            Assert.True(DateTime.UtcNow < deadline, $"{service} on METRICS_PORT never showed the expected series:\n{text}");
            await Task.Delay(100, cancellationToken);
        }
        return text;
    }

    /// <summary>The sum of the samples of <paramref name="name"/> whose labels contain <paramref name="label"/>.</summary>
    private static double Value(string text, string name, string? label)
    {
        var sum = 0.0;
        foreach (Match match in Sample().Matches(text))
        {
            if (match.Groups["name"].Value == name && (label is null || match.Groups["labels"].Value.Contains(label, StringComparison.Ordinal)))
            {
                sum += double.Parse(match.Groups["value"].Value, CultureInfo.InvariantCulture);
            }
        }
        return sum;
    }

    private static string Excerpt(string text, string prefix)
    {
        var lines = new StringBuilder();
        foreach (var line in text.Split('\n').Where(l => l.StartsWith(prefix, StringComparison.Ordinal) || l.Contains(" " + prefix, StringComparison.Ordinal)))
        {
            lines.AppendLine(line);
        }
        return lines.Length > 0 ? lines.ToString() : $"no series starting with {prefix}:\n{text}";
    }

    [GeneratedRegex(@"^(?<name>[a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?<labels>[^}]*)\})?\s+(?<value>[-+0-9.eE]+|NaN|\+Inf)(\s+\d+)?\s*$", RegexOptions.Multiline)]
    private static partial Regex Sample();
}
