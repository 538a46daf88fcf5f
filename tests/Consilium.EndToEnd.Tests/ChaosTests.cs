using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Consilium.Testing;

namespace Consilium.EndToEnd.Tests;

/// <summary>
/// The chaos test (docs/reliability.md, "Chaos test"): the whole system as separate processes with a real Redis and
/// two orchestrator replicas behind the gateway, supervised as the launcher does. For a minute, 20 clients keep a
/// council each running through the gateway, cutting their connection at random and resuming with Last-Event-ID,
/// while one agent is SIGSTOPped and resumed, another SIGKILLed (and restarted by the supervisor), and Redis is
/// killed and started again. Every stream must end with done or error, its ids contiguous with no duplicate across
/// resumes, carry a tension_map whenever two or more agents succeeded, and never meet a 500; councils started after
/// recovery must have all ten answers. The counts are printed at the end.
/// </summary>
public sealed class ChaosTests
{
    private const int Clients = 20;
    private static readonly TimeSpan LoadPeriod = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan ResumeDeadline = TimeSpan.FromSeconds(90);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Chaos_AgentsStoppedAndKilledRedisLostClientsCut_EveryStreamKeepsItsInvariants()
    {
        using var bounded = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        bounded.CancelAfter(TimeSpan.FromMinutes(5)); // the test as a whole is bounded
        var ct = bounded.Token;

        await using var redis = await RedisServer.StartNewAsync(ct);
        // The processes keep only their last lines: an orchestrator's warnings and failures are kept as they come, so
        // the report can name the exception behind a 500 however much was logged after it.
        var orchestratorWarnings = new ConcurrentQueue<string>();
        await using var topology = await ProcessTopology.StartAsync(new Dictionary<string, string?>
        {
            ["REDIS_URL"] = redis.Url,
            ["COUNCIL_STREAMS_PER_CLIENT"] = "200", // every client comes through the one gateway address
            // Short enough that the SIGSTOPped agent costs a timeout within the minute, long enough that a loaded
            // 2-core machine does not time answers out by itself.
            ["AGENT_FIRST_TOKEN_TIMEOUT"] = "15",
            ["AGENT_IDLE_TIMEOUT"] = "15",
            ["AGENT_TOTAL_TIMEOUT"] = "60",
            ["COUNCIL_TIMEOUT"] = "75",
        }, ct, orchestratorReplicas: 2, echo: (name, line) =>
        {
            if (name.StartsWith("orchestrator", StringComparison.Ordinal)
                && (line.Contains("warn:", StringComparison.Ordinal) || line.Contains("fail:", StringComparison.Ordinal)))
            {
                orchestratorWarnings.Enqueue($"    {name} | {(line.Length > 1_500 ? line[..1_500] + "…" : line)}");
            }
        });
        topology.Supervise();

        var counts = new Counts();
        var violations = new ConcurrentQueue<string>();
        var random = new Random(13);
        var clock = Stopwatch.StartNew();

        var chaos = RunChaosAsync(topology, redis, counts, ct);
        var clients = Enumerable.Range(0, Clients).Select(i => RunClientAsync(topology, new Random(random.Next()), clock, counts, violations, ct)).ToList();
        await Task.WhenAll(clients);
        await chaos;

        // Recovery: every service up again (the supervisor restarted the killed agent), then councils with all ten.
        await WaitHealthyAsync(topology, ct);
        using var http = topology.CreateGatewayClient();
        for (var i = 0; i < 3; i++)
        {
            var council = await RunCouncilAsync(http, new Random(i), cutProbability: 0, counts, ct);
            counts.Record(council);
            Check(council, violations);
            if (council.Agents.Count(pair => pair.Value == "done") != 10)
            {
                violations.Enqueue($"council {council.SessionId} after recovery: {council.Agents.Count(pair => pair.Value == "done")} of 10 answered ({Describe(council)})");
            }
        }

        var unhandled = orchestratorWarnings.Where(line => line.Contains("unhandled exception", StringComparison.OrdinalIgnoreCase)).Take(5).ToList();
        var report = counts.Report(topology.SupervisorReports)
            + $"  orchestrator unhandled exceptions ({unhandled.Count}, first 5):\n" + string.Join('\n', unhandled)
            + $"\n  orchestrator warnings and failures ({orchestratorWarnings.Count}, last 15):\n" + string.Join('\n', orchestratorWarnings.TakeLast(15));
        TestContext.Current.TestOutputHelper?.WriteLine(report);
        Console.Error.WriteLine(report);
        Assert.True(violations.IsEmpty, $"{violations.Count} invariant violations:\n{string.Join('\n', violations.Take(40))}\n\n{report}");
    }

    /// <summary>SIGSTOP one agent for 15 s, SIGKILL another, kill Redis for 10 s — all inside the load period.</summary>
    private static async Task RunChaosAsync(ProcessTopology topology, RedisServer redis, Counts counts, CancellationToken ct)
    {
        await Task.Delay(TimeSpan.FromSeconds(8), ct);
        var stopped = topology.Process("agent-harlow").ProcessId;
        ChildProcesses.Signal(stopped, "STOP");
        counts.Chaos("SIGSTOP agent-harlow");
        try
        {
            await Task.Delay(TimeSpan.FromSeconds(7), ct);
            ChildProcesses.Signal(topology.Process("agent-diallo").ProcessId, "KILL");
            counts.Chaos("SIGKILL agent-diallo");
            await Task.Delay(TimeSpan.FromSeconds(8), ct);
        }
        finally
        {
            ChildProcesses.Signal(stopped, "CONT");
            counts.Chaos("SIGCONT agent-harlow");
        }
        await Task.Delay(TimeSpan.FromSeconds(7), ct);
        await redis.StopAsync(ct);
        counts.Chaos("Redis killed");
        await Task.Delay(TimeSpan.FromSeconds(10), ct);
        await redis.StartAsync(ct);
        counts.Chaos("Redis started again");
    }

    private static async Task RunClientAsync(ProcessTopology topology, Random random, Stopwatch clock, Counts counts, ConcurrentQueue<string> violations, CancellationToken ct)
    {
        using var http = topology.CreateGatewayClient();
        while (clock.Elapsed < LoadPeriod)
        {
            var council = await RunCouncilAsync(http, random, cutProbability: 0.3, counts, ct);
            counts.Record(council);
            Check(council, violations);
            if (council.SessionId is null)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(500), ct); // refused: a client would back off
            }
        }
    }

    /// <summary>One council from POST to its terminal event, resuming after every cut (ours or the system's).</summary>
    private static async Task<Council> RunCouncilAsync(HttpClient http, Random random, double cutProbability, Counts counts, CancellationToken ct)
    {
        var council = new Council();
        var body = new { message = "[[sim ttft=50 rate=60 tokens=150]] Should we buy the portfolio of suburban warehouses?", synthesis = false };
        HttpResponseMessage? response;
        try
        {
            response = await SseClient.PostAsync(http, "api/consilium", body, ct);
        }
        catch (HttpRequestException ex)
        {
            council.Statuses.Add(0);
            council.Notes.Add($"POST failed: {ex.Message}");
            return council;
        }
        council.Statuses.Add((int)response.StatusCode);
        if (response.StatusCode != HttpStatusCode.OK)
        {
            response.Dispose();
            return council;
        }
        council.SessionId = response.Headers.GetValues("Consilium-Session").Single();

        var resumeStarted = Stopwatch.StartNew();
        while (true)
        {
            using (response)
            {
                var cutAfter = random.NextDouble() < cutProbability ? random.Next(1, 200) : int.MaxValue;
                var read = 0;
                try
                {
                    await foreach (var item in SseClient.ReadEventsAsync(response, ct))
                    {
                        if (item.IsTerminal && string.IsNullOrEmpty(item.EventId) && council.Events.Count > 0)
                        {
                            // An error without an id is the serving replica's own (its reader lost the event log),
                            // not the council's: the council goes on, and the client resumes from its last id
                            // (docs/api.md, resume).
                            council.Broken++;
                            break;
                        }
                        council.Events.Add(item);
                        if (item.IsTerminal)
                        {
                            return council;
                        }
                        if (++read >= cutAfter)
                        {
                            council.Cuts++;
                            break; // the client goes away mid-stream
                        }
                    }
                }
                catch (Exception ex) when (ex is HttpRequestException or IOException)
                {
                    council.Broken++; // the system cut it
                }
            }

            // Resume from the last id seen, on whichever replica the gateway picks.
            response = null;
            while (response is null)
            {
                if (resumeStarted.Elapsed > ResumeDeadline)
                {
                    council.Notes.Add($"no terminal event {ResumeDeadline.TotalSeconds:0} s after the first cut");
                    return council;
                }
                counts.Resume();
                using var request = new HttpRequestMessage(HttpMethod.Get, $"api/consilium/sessions/{council.SessionId}/events");
                request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
                request.Headers.TryAddWithoutValidation("Last-Event-ID", council.LastId.ToString(CultureInfo.InvariantCulture));
                HttpResponseMessage attempt;
                try
                {
                    attempt = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
                }
                catch (HttpRequestException ex)
                {
                    council.Statuses.Add(0);
                    council.Notes.Add($"resume failed: {ex.Message}");
                    await Task.Delay(500, ct);
                    continue;
                }
                council.Statuses.Add((int)attempt.StatusCode);
                if (attempt.StatusCode == HttpStatusCode.OK)
                {
                    response = attempt;
                }
                else if (attempt.StatusCode == HttpStatusCode.NoContent)
                {
                    attempt.Dispose();
                    council.Notes.Add("resume answered 204: the council had finished, but its terminal event was never received");
                    return council;
                }
                else
                {
                    attempt.Dispose();
                    await Task.Delay(500, ct);
                }
            }
        }
    }

    private static void Check(Council council, ConcurrentQueue<string> violations)
    {
        if (council.Statuses.Contains(500))
        {
            violations.Enqueue($"council {council.SessionId ?? "(not started)"}: a 500 ({string.Join(",", council.Statuses)})");
        }
        if (council.SessionId is null)
        {
            return;
        }
        var terminal = council.Events.Count > 0 && council.Events[^1].IsTerminal ? council.Events[^1].EventType : null;
        if (terminal is null)
        {
            violations.Enqueue($"council {council.SessionId}: no terminal event ({Describe(council)})");
        }
        var ids = council.Events.Select(e => long.TryParse(e.EventId, CultureInfo.InvariantCulture, out var id) ? id : -1).ToList();
        for (var i = 0; i < ids.Count; i++)
        {
            if (ids[i] != i + 1)
            {
                violations.Enqueue(ids[i] == -1
                    ? $"council {council.SessionId}: event {i + 1} has no id — the stream's own {council.Events[i].EventType} {council.Events[i].Data}, not the council's"
                    : $"council {council.SessionId}: event {i + 1} has id {ids[i]} (ids {string.Join(",", ids.Skip(Math.Max(0, i - 3)).Take(6))}…)");
                break;
            }
        }
        var succeeded = council.Agents.Count(pair => pair.Value == "done");
        if (succeeded >= 2 && !council.Events.Any(e => e.EventType == "tension_map"))
        {
            violations.Enqueue($"council {council.SessionId}: {succeeded} agents succeeded but no tension_map ({Describe(council)})");
        }
    }

    private static string Describe(Council council) =>
        $"terminal {(council.Events.Count > 0 ? council.Events[^1].EventType + " " + council.Events[^1].Data : "none")}; " +
        $"agents {string.Join(",", council.Agents.Select(pair => $"{pair.Key}={pair.Value}"))}; statuses {string.Join(",", council.Statuses)}; {string.Join("; ", council.Notes)}";

    private static async Task WaitHealthyAsync(ProcessTopology topology, CancellationToken ct)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        var clock = Stopwatch.StartNew();
        foreach (var service in topology.Plan.Services)
        {
            while (true)
            {
                try
                {
                    using var health = await http.GetAsync(new Uri(service.Url, "health"), ct);
                    if (health.IsSuccessStatusCode)
                    {
                        break;
                    }
                }
                catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException && !ct.IsCancellationRequested)
                {
                }
                Assert.True(clock.Elapsed < TimeSpan.FromSeconds(90), $"{service.Name} is not healthy 90 s after the chaos:\n{topology.Logs(service.Name)}");
                await Task.Delay(250, ct);
            }
        }
    }

    private sealed class Council
    {
        public string? SessionId { get; set; }

        public List<TimedSseEvent> Events { get; } = [];

        public List<int> Statuses { get; } = [];

        public List<string> Notes { get; } = [];

        public int Cuts { get; set; }

        public int Broken { get; set; }

        public long LastId => Events.Count == 0 ? 0 : long.Parse(Events[^1].EventId ?? "0", CultureInfo.InvariantCulture);

        /// <summary>Each agent's outcome: <c>done</c> or its error code.</summary>
        public Dictionary<string, string> Agents
        {
            get
            {
                var outcomes = new Dictionary<string, string>(StringComparer.Ordinal);
                foreach (var item in Events)
                {
                    if (item.EventType == "agent_done")
                    {
                        outcomes[item.Json.GetProperty("agent").GetString()!] = "done";
                    }
                    else if (item.EventType == "agent_error")
                    {
                        outcomes[item.Json.GetProperty("agent").GetString()!] = item.Json.GetProperty("code").GetString()!;
                    }
                }
                return outcomes;
            }
        }
    }

    private sealed class Counts
    {
        private readonly ConcurrentQueue<string> _chaos = new();
        private readonly ConcurrentDictionary<string, int> _terminals = new(StringComparer.Ordinal);
        private readonly ConcurrentDictionary<string, int> _agentErrors = new(StringComparer.Ordinal);
        private readonly ConcurrentDictionary<int, int> _statuses = new();
        private readonly Stopwatch _clock = Stopwatch.StartNew();
        private int _councils;
        private int _refused;
        private int _resumes;
        private int _cuts;
        private int _broken;

        public void Chaos(string what) => _chaos.Enqueue($"{_clock.Elapsed.TotalSeconds,5:0.0} s {what}");

        public void Resume() => Interlocked.Increment(ref _resumes);

        public void Record(Council council)
        {
            foreach (var status in council.Statuses)
            {
                _statuses.AddOrUpdate(status, 1, (_, n) => n + 1);
            }
            if (council.SessionId is null)
            {
                Interlocked.Increment(ref _refused);
                return;
            }
            Interlocked.Increment(ref _councils);
            Interlocked.Add(ref _cuts, council.Cuts);
            Interlocked.Add(ref _broken, council.Broken);
            var terminal = council.Events.Count > 0 && council.Events[^1].IsTerminal
                ? council.Events[^1].EventType == "error" ? "error " + council.Events[^1].Json.GetProperty("code").GetString() : "done"
                : "none";
            _terminals.AddOrUpdate(terminal, 1, (_, n) => n + 1);
            foreach (var code in council.Agents.Values.Where(value => value != "done"))
            {
                _agentErrors.AddOrUpdate(code, 1, (_, n) => n + 1);
            }
        }

        public string Report(IReadOnlyList<string> supervisor)
        {
            var report = new StringBuilder("Chaos counts\n");
            report.AppendLine(CultureInfo.InvariantCulture, $"  councils started: {_councils}; starts refused: {_refused}");
            report.AppendLine(CultureInfo.InvariantCulture, $"  resumes: {_resumes} (client cuts {_cuts}, cut by the system {_broken})");
            report.AppendLine($"  councils by ending: {string.Join(", ", _terminals.OrderBy(p => p.Key).Select(p => $"{p.Key} {p.Value}"))}");
            report.AppendLine($"  agent errors by code: {string.Join(", ", _agentErrors.OrderBy(p => p.Key).Select(p => $"{p.Key} {p.Value}"))}");
            report.AppendLine($"  HTTP statuses (0 = no response): {string.Join(", ", _statuses.OrderBy(p => p.Key).Select(p => $"{p.Key} {p.Value}"))}");
            report.AppendLine("  chaos:");
            foreach (var line in _chaos)
            {
                report.AppendLine("    " + line);
            }
            report.AppendLine("  supervisor:");
            foreach (var line in supervisor)
            {
                report.AppendLine("    " + line.Split('\n')[0]);
            }
            return report.ToString();
        }
    }
}
