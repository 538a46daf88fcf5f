using Consilium.Benchmark.Hosting;
using Consilium.Benchmark.Measurement;
using Consilium.Benchmark.Reporting;

namespace Consilium.Benchmark.Scenarios;

/// <summary>
/// CPU time and allocated bytes per streamed delta in each service process, beside nginx as a one-hop proxy in front
/// of the same simulator in the same run. The same load (N concurrent streams of M deltas) goes to each path in turn,
/// round after round, so other load on the machine spreads over every path alike; each process's CPU time over a
/// path's rounds (<c>/proc/&lt;pid&gt;/stat</c>) is divided by the text deltas the client read on that path. CPU time
/// hardly depends on how busy the rest of the machine is, unlike latency, so these figures lead the report.
/// </summary>
public sealed class DeltaCpuScenario(BenchTopology topology, BenchmarkOptions options, Report report)
{
    private const string AgentId = "vasquez";

    /// <summary>Targets (÷ nginx's CPU per delta in the same run).</summary>
    private const double TargetAgent = 2.5, TargetChain = 7.5, TargetSimulator = 2.5;

    private sealed record CpuPath(string Name, string Terminal, Func<string, HttpRequestMessage> Request);

    private sealed class PathTotals
    {
        public long Deltas;
        public int Streams;
        public int Failed;
        public string? Failure;
        public readonly Dictionary<string, double> CpuUs = [];
        public readonly Dictionary<string, double> Allocated = [];
    }

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var system = topology.System;
        var nginxBinary = NginxProxy.Find();
        NginxProxy? nginx = null;
        if (nginxBinary is null)
        {
            Report.Progress($"cpu: nginx is not installed, so the ratios to nginx are missing; install it with: {NginxProxy.InstallHint}");
        }
        else
        {
            nginx = await NginxProxy.StartAsync(nginxBinary, system.SimulatorUrl, topology.Http, cancellationToken);
        }
        try
        {
            var paths = new List<CpuPath>();
            if (nginx is not null)
            {
                var proxied = nginx.Url;
                paths.Add(new("nginx → simulator `/v1/messages`", "message_stop", m => Requests.Simulator(proxied, AgentId, m, options.MaxTokens)));
            }
            paths.Add(new("simulator `/v1/messages`", "message_stop", m => Requests.Simulator(system.SimulatorUrl, AgentId, m, options.MaxTokens)));
            paths.Add(new("agent `/v1/ask`", "done", m => Requests.Agent(system.AgentUrl(AgentId), system.InternalKey, m)));
            paths.Add(new("orchestrator `/api/agent/{id}`", "done", m => Requests.PublicAgent(system.OrchestratorUrl, system.Secret, AgentId, m)));
            paths.Add(new("gateway `/api/agent/{id}`", "done", m => Requests.PublicAgent(system.GatewayUrl, system.Secret, AgentId, m)));

            var processes = Processes(nginx);
            using var allocations = AllocationCounters.Start(processes.Where(p => p.Key != Nginx).SelectMany(p => p.Value));
            var directive = Requests.Pace(options.TtftMs, options.Rate, options.CpuTokens);

            var idle = topology.MeasuredProcesses().ToDictionary(p => p.Name, p => PeakMemory.CurrentMiB(p.ProcessId));
            var idlePss = topology.MeasuredProcesses().ToDictionary(p => p.Name, p => PeakMemory.ProportionalMiB(p.ProcessId));
            foreach (var path in Enumerable.Range(0, WarmUpRounds).SelectMany(_ => paths))
            {
                Report.Progress($"cpu: warm-up {path.Name}");
                await RoundAsync(path, directive, cancellationToken);
            }
            // The warm-up's last counter interval, and the tier-1 recompilation it triggered, must not count as measured.
            await Task.Delay(AllocationCounters.Settle * 2, cancellationToken);

            var totals = paths.ToDictionary(p => p, _ => new PathTotals());
            var load = MachineFacts.LoadAverage();
            var share = topology.MeasureCpu();
            for (var round = 1; round <= options.CpuRounds; round++)
            {
                foreach (var path in paths)
                {
                    Report.Progress($"cpu: round {round}/{options.CpuRounds}, {options.CpuStreams} streams to {path.Name}");
                    var cpuBefore = processes.ToDictionary(p => p.Key, p => ProcessCpu.Microseconds(p.Value));
                    var allocBefore = processes.ToDictionary(p => p.Key, p => p.Value.Sum(allocations.AllocatedBytes));
                    var batch = await RoundAsync(path, directive, cancellationToken);
                    // Let the last counter interval be published (and the processes fall idle) before reading.
                    await Task.Delay(AllocationCounters.Settle, cancellationToken);
                    var sums = totals[path];
                    foreach (var (name, ids) in processes)
                    {
                        sums.CpuUs[name] = sums.CpuUs.GetValueOrDefault(name) + ProcessCpu.Microseconds(ids) - cpuBefore[name];
                        sums.Allocated[name] = sums.Allocated.GetValueOrDefault(name) + ids.Sum(allocations.AllocatedBytes) - allocBefore[name];
                    }
                    var ok = batch.Results.Where(r => r.Succeeded).ToList();
                    sums.Deltas += ok.Sum(r => (long)r.Deltas);
                    sums.Streams += batch.Results.Count;
                    sums.Failed += batch.Results.Count - ok.Count;
                    sums.Failure ??= batch.Results.FirstOrDefault(r => !r.Succeeded)?.Failure;
                }
            }
            Print(paths, totals, $"{share.Describe()}; load average before: {load}, after: {MachineFacts.LoadAverage()}");
            var after = topology.MeasuredProcesses().ToDictionary(p => p.Name, p => PeakMemory.CurrentMiB(p.ProcessId));
            var afterPss = topology.MeasuredProcesses().ToDictionary(p => p.Name, p => PeakMemory.ProportionalMiB(p.ProcessId));
            report.Line($"Memory of each process idle after start-up and after this scenario's {(WarmUpRounds + options.CpuRounds) * options.CpuStreams} " +
                "streams per path, in MiB: resident (VmRSS) and proportional (PSS: shared pages such as the runtime's files divided " +
                "among the processes mapping them, so PSS adds up across processes while RSS counts shared pages in each):");
            report.Line();
            report.Table(new MemoryTable("memory (MiB)").Add("RSS idle", idle).Add("RSS after", after).Add("PSS idle", idlePss).Add("PSS after", afterPss).Build());
        }
        finally
        {
            nginx?.Dispose();
        }
    }

    private const string Nginx = "nginx", Simulator = "model-simulator", Agent = "agent-" + AgentId, Orchestrator = "orchestrator", Gateway = "gateway", Client = "benchmark client";

    private int WarmUpRounds => options.Quick ? 1 : 2;

    private Dictionary<string, int[]> Processes(NginxProxy? nginx)
    {
        var byName = topology.MeasuredProcesses().ToDictionary(p => p.Name, p => p.ProcessId);
        var processes = new Dictionary<string, int[]>
        {
            [Simulator] = [byName[Simulator]],
            [Agent] = [byName[Agent]],
            [Orchestrator] = [byName[Orchestrator]],
            [Gateway] = [byName[Gateway]],
            [Client] = [Environment.ProcessId],
        };
        if (nginx is not null)
        {
            processes[Nginx] = [.. nginx.ProcessIds];
        }
        return processes;
    }

    private async Task<Batch<StreamSample>> RoundAsync(CpuPath path, string directive, CancellationToken cancellationToken)
    {
        var batch = await Load.RunAsync(
            options.CpuStreams,
            options.Ramp,
            i => StreamTimer.RunAsync(topology.Http, path.Request($"{directive} {Requests.Question} (cpu {i})"), path.Terminal, cancellationToken),
            cancellationToken);
        if (batch.Results.FirstOrDefault(r => !r.Succeeded) is { } failed)
        {
            Report.Progress($"cpu: {path.Name} had failures, e.g. {failed.Failure}");
        }
        return batch;
    }

    private void Print(List<CpuPath> paths, Dictionary<CpuPath, PathTotals> totals, string machineUse)
    {
        report.Line($"### CPU and allocations per delta: {options.CpuStreams} concurrent streams × {options.CpuTokens} tokens, beside nginx");
        report.Line();
        report.Line($"Each path got {options.CpuRounds} measured round(s) of {options.CpuStreams} concurrent streams (answers of {options.CpuTokens} tokens " +
            $"plus the stance block, {options.Rate:0.#} deltas/s, ttft {options.TtftMs} ms), the paths taking turns round by round after {WarmUpRounds} warm-up round(s) each. " +
            $"Per process: CPU time (utime + stime from /proc/<pid>/stat, 10 ms ticks) and managed bytes allocated (the runtime's " +
            $"alloc-rate counter over EventPipe) during the path's rounds, divided by the text deltas the client read on that path. " +
            $"While measuring, {machineUse}.");
        report.Line();

        var names = new[] { Nginx, Simulator, Agent, Orchestrator, Gateway, Client };
        var cpu = new MarkdownTable(["path", "streams ok", "deltas", .. names.Select(n => $"{n} µs/delta")]);
        foreach (var path in paths)
        {
            var t = totals[path];
            cpu.Row([path.Name, $"{t.Streams - t.Failed}/{t.Streams}", t.Deltas, .. names.Select(n => (object)Us(PerDelta(t.CpuUs, n, t.Deltas)))]);
        }
        report.Table(cpu);

        var managed = names.Where(n => n != Nginx).ToArray();
        var alloc = new MarkdownTable(["path", .. managed.Select(n => $"{n} bytes/delta")]);
        foreach (var path in paths)
        {
            var t = totals[path];
            alloc.Row([path.Name, .. managed.Select(n => (object)Bytes(PerDelta(t.Allocated, n, t.Deltas)))]);
        }
        report.Table(alloc);

        var nginxPath = paths.FirstOrDefault(p => p.Name.StartsWith("nginx", StringComparison.Ordinal));
        var nginxUs = nginxPath is null ? double.NaN : PerDelta(totals[nginxPath].CpuUs, Nginx, totals[nginxPath].Deltas);
        var simulatorPath = paths.Single(p => p.Name.StartsWith("simulator", StringComparison.Ordinal));
        var agentPath = paths.Single(p => p.Name.StartsWith("agent", StringComparison.Ordinal));
        var gatewayPath = paths.Single(p => p.Name.StartsWith("gateway", StringComparison.Ordinal));
        double Of(CpuPath path, params string[] processes) =>
            processes.Sum(n => PerDelta(totals[path].CpuUs, n, totals[path].Deltas));

        var ratios = new MarkdownTable("CPU per delta", "µs", "÷ nginx", "target", "verdict");
        ratios.Row("nginx, one hop (the yardstick)", Us(nginxUs), "1.0×", "", "");
        Ratio(ratios, "agent hop (agent process, agent path)", Of(agentPath, Agent), nginxUs, TargetAgent);
        Ratio(ratios, "gateway + orchestrator + agent (gateway path)", Of(gatewayPath, Gateway, Orchestrator, Agent), nginxUs, TargetChain);
        Ratio(ratios, "simulator (simulator path)", Of(simulatorPath, Simulator), nginxUs, TargetSimulator);
        report.Table(ratios);
        report.Line("A delta is one `text_delta` event read by the client; a stream's other events (start, stop, usage, the terminal " +
            "event) and its request are part of each delta's share. The client row is this benchmark's own process. " +
            (nginxPath is null ? $"nginx was not installed ({NginxProxy.InstallHint}), so there is no yardstick. " : "") +
            (totals.Values.FirstOrDefault(t => t.Failure is not null) is { } f ? $"Failures, e.g.: {f.Failure}." : "Every stream succeeded."));
        report.Line();
    }

    private static void Ratio(MarkdownTable table, string name, double us, double nginxUs, double target)
    {
        var ratio = us / nginxUs;
        table.Row(name, Us(us), double.IsFinite(ratio) ? $"{ratio:0.00}×" : "–", $"≤ {target:0.0#}×",
            double.IsFinite(ratio) ? MarkdownTable.Verdict(ratio <= target) : "–");
    }

    private static double PerDelta(Dictionary<string, double> sums, string name, long deltas) =>
        deltas > 0 && sums.TryGetValue(name, out var sum) ? sum / deltas : double.NaN;

    private static string Us(double value) => double.IsNaN(value) ? "–" : value.ToString("0.0", System.Globalization.CultureInfo.InvariantCulture);

    private static string Bytes(double value) => double.IsNaN(value) ? "–" : value.ToString("0", System.Globalization.CultureInfo.InvariantCulture);
}
