using Consilium.Benchmark.Hosting;
using Consilium.Benchmark.Measurement;
using Consilium.Benchmark.Reporting;
using Consilium.Client;
using Consilium.ServiceDefaults.WarmUp;

namespace Consilium.Benchmark.Scenarios;

/// <summary>
/// The first council after every service reported healthy, against warm ones: its first text delta (the earliest of
/// the ten agents') and its <c>done</c>, minus the median of <see cref="WarmCouncils"/> councils asked one at a time
/// after <see cref="WarmUpCouncils"/> more. Runs before every other scenario, so the first council meets cold code.
/// </summary>
public sealed class ColdStartScenario(BenchTopology topology, BenchmarkOptions options, Report report)
{
    private const int WarmUpCouncils = 5, WarmCouncils = 5;

    /// <summary>Target: the first council's first delta at most this much later than a warm council's.</summary>
    private const double TargetMs = 100;

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var load = MachineFacts.LoadAverage();
        await WarmClientAsync(cancellationToken);
        Report.Progress("cold: the first council after ready");
        var processes = topology.MeasuredProcesses();
        var before = Cpu(processes);
        var first = await CouncilAsync("cold", cancellationToken);
        var coldCpu = Spent(processes, before);
        for (var i = 0; i < WarmUpCouncils; i++)
        {
            await CouncilAsync($"warm-up {i}", cancellationToken);
        }
        var warm = new List<CouncilSample>();
        var warmBefore = Cpu(processes);
        for (var i = 0; i < WarmCouncils; i++)
        {
            Report.Progress($"cold: warm council {i + 1}/{WarmCouncils}");
            warm.Add(await CouncilAsync($"warm {i}", cancellationToken));
        }
        var warmCpu = Spent(processes, warmBefore);

        var ok = warm.Where(s => s.Succeeded).ToList();
        var warmFirst = new Distribution(ok.Select(FirstDelta));
        var warmDone = new Distribution(ok.Select(s => s.DoneMs));
        report.Line("### Cold start: the first council after every service reported healthy");
        report.Line();
        report.Line($"One council (ten agents, no synthesis, {options.Tokens} tokens at {options.Rate:0.#} deltas/s, ttft {options.TtftMs} ms) as soon as " +
            $"every service answered its health check, then {WarmUpCouncils} more, then {WarmCouncils} measured one at a time (their median). " +
            $"Load average before: {load}.");
        report.Line();
        var table = new MarkdownTable("council", "first delta", "done", "first delta − warm", $"≤ +{TargetMs:0} ms");
        table.Row("first after ready", first.Succeeded ? FirstDelta(first) : double.NaN, first.Succeeded ? first.DoneMs : double.NaN,
            first.Succeeded ? MarkdownTable.Ms(FirstDelta(first) - warmFirst.P50, signed: true) : first.Failure,
            first.Succeeded ? MarkdownTable.Verdict(FirstDelta(first) - warmFirst.P50 <= TargetMs) : "**fail**");
        table.Row($"warm (p50 of {ok.Count})", warmFirst.P50, warmDone.P50, "", "");
        report.Table(table);
        report.Line("Times in ms from sending the council request; first delta = the earliest first text delta of the ten agents.");
        report.Line();
        // Where the cold cost is: each process's CPU during the first council against its mean over a warm one. On
        // two cores, extra CPU in thirteen processes at once (JIT and tier-up) is what delays the first tokens.
        var cpu = new MarkdownTable("process", "CPU, first council (ms)", $"CPU, warm council (mean of {WarmCouncils}, ms)", "extra");
        foreach (var group in processes.GroupBy(p => p.Name.StartsWith("agent-", StringComparison.Ordinal) ? "each agent (mean of ten)" : p.Name))
        {
            var cold = group.Average(p => coldCpu[p.Name]) / 1000;
            var hot = group.Average(p => warmCpu[p.Name]) / 1000 / WarmCouncils;
            cpu.Row(group.Key, MarkdownTable.Ms(cold), MarkdownTable.Ms(hot), MarkdownTable.Ms(cold - hot, signed: true));
        }
        report.Table(cpu);
        report.Line($"CPU time from `/proc/<pid>/stat` (10 ms ticks). Extra CPU of the first council in all processes: " +
            $"{(coldCpu.Values.Sum() - warmCpu.Values.Sum() / WarmCouncils) / 1000:0} ms.");
        report.Line();
    }

    /// <summary>
    /// This process is cold too, and its compile time is not the services': one council stream served in memory
    /// through the same client code (<see cref="CouncilTimer"/>, <see cref="ConsiliumClient"/>, its SSE parser), and
    /// one <c>GET /alive</c> through the measured connection pool, before the first council. Neither reaches a
    /// service's council path (<c>/alive</c> is warmed by every service's own start-up).
    /// </summary>
    private async Task WarmClientAsync(CancellationToken cancellationToken)
    {
        using var canned = new HttpClient(new CannedEventStreams(_ => CannedCouncilStream)) { BaseAddress = new Uri("http://warm-up.invalid/") };
        var sample = await CouncilTimer.RunAsync(new ConsiliumClient(canned, new ConsiliumClientOptions { Secret = "warm-up", MaxResumeAttempts = 0 }),
            Requests.Council("warm-up"), cancellationToken);
        if (!sample.Succeeded)
        {
            throw new InvalidOperationException($"The client's in-memory warm-up council failed: {sample.Failure}");
        }
        using var alive = await topology.Http.GetAsync(new Uri(topology.System.GatewayUrl, "/alive"), cancellationToken);
    }

    /// <summary>The same finished council stream of two agents for every request (the wire format of docs/api.md).</summary>
    private static readonly byte[] CannedCouncilStream = BuildCannedCouncil();

    private static byte[] BuildCannedCouncil()
    {
        var text = new System.Text.StringBuilder();
        var id = 0;
        void Event(string type, string data) => text.Append("id: ").Append(++id).Append("\nevent: ").Append(type).Append("\ndata: ").Append(data).Append("\n\n");
        const string usage = """{"input_tokens":1,"output_tokens":3,"cache_creation_input_tokens":0,"cache_read_input_tokens":0}""";
        string[] agents = ["vasquez", "okafor"];
        Event("session", """{"sessionId":"warm-up","resumeToken":"warm-up","agents":[{"id":"vasquez","name":"V","domain":"d"},{"id":"okafor","name":"O","domain":"d"}],"conversationId":"warm-up","round":1,"mode":"ask"}""");
        foreach (var agent in agents)
        {
            Event("agent_start", $$"""{"agent":"{{agent}}","model":"warm-up"}""");
        }
        for (var i = 0; i < 20; i++)
        {
            foreach (var agent in agents)
            {
                Event("delta", $$"""{"agent":"{{agent}}","text":" warm"}""");
            }
        }
        foreach (var agent in agents)
        {
            Event("agent_done", $$"""{"agent":"{{agent}}","model":"warm-up","stance":null,"usage":{{usage}},"ttftMs":1,"durationMs":2}""");
        }
        Event("done", $$"""{"succeeded":["vasquez","okafor"],"failed":[],"usage":{{usage}},"costUsd":0,"cacheSavingsUsd":0,"durationMs":2}""");
        return System.Text.Encoding.UTF8.GetBytes(text.ToString());
    }

    private static Dictionary<string, double> Cpu(IReadOnlyList<MeasuredProcess> processes) =>
        processes.ToDictionary(p => p.Name, p => ProcessCpu.Microseconds([p.ProcessId]));

    private static Dictionary<string, double> Spent(IReadOnlyList<MeasuredProcess> processes, Dictionary<string, double> before) =>
        Cpu(processes).ToDictionary(pair => pair.Key, pair => pair.Value - before[pair.Key]);

    private static double FirstDelta(CouncilSample sample) =>
        sample.Agents.Values.Select(a => a.FirstDeltaMs).Where(double.IsFinite).DefaultIfEmpty(double.NaN).Min();

    private Task<CouncilSample> CouncilAsync(string label, CancellationToken cancellationToken) =>
        CouncilTimer.RunAsync(topology.Council,
            Requests.Council($"{Requests.Pace(options.TtftMs, options.Rate, options.Tokens)} {Requests.Question} ({label})"), cancellationToken);
}
