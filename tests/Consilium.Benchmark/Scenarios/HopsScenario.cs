using Consilium.Benchmark.Hosting;
using Consilium.Benchmark.Measurement;
using Consilium.Benchmark.Reporting;

namespace Consilium.Benchmark.Scenarios;

/// <summary>
/// Per-hop streaming: the same N concurrent streams sent to each path in turn — the simulator directly, one agent,
/// the orchestrator, and the gateway (→ orchestrator → agent → simulator) — to show what each hop adds to the time to
/// first token and whether it passes every chunk on as it was sent.
/// </summary>
public sealed class HopsScenario(BenchTopology topology, BenchmarkOptions options, Report report)
{
    private const string AgentId = "vasquez";

    /// <summary>Targets: each hop adds at most this much to the TTFT (p50, p99) at 100 concurrent streams.</summary>
    private const double TargetAddedP50Ms = 1, TargetAddedP99Ms = 5;

    private sealed record HopPath(string Name, string Terminal, Func<string, HttpRequestMessage> Request);

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var system = topology.System;
        HopPath[] paths =
        [
            new("simulator `/v1/messages`", "message_stop", m => Requests.Simulator(system.SimulatorUrl, AgentId, m, options.MaxTokens)),
            new("agent `/v1/ask`", "done", m => Requests.Agent(system.AgentUrl(AgentId), system.InternalKey, m)),
            new("orchestrator `/api/agent/{id}`", "done", m => Requests.PublicAgent(system.OrchestratorUrl, system.Secret, AgentId, m)),
            new("gateway `/api/agent/{id}`", "done", m => Requests.PublicAgent(system.GatewayUrl, system.Secret, AgentId, m)),
        ];

        // Warm-up: every path with the full concurrency (JIT tiers, connection pools at every hop), short answers.
        foreach (var path in Enumerable.Range(0, WarmUpRounds).SelectMany(_ => paths))
        {
            Report.Progress($"hops: warm-up {path.Name}");
            var warm = await RoundAsync(path, Requests.Pace(options.TtftMs, options.Rate, Math.Min(options.Tokens, 20)), cancellationToken);
            if (warm.Results.FirstOrDefault(r => !r.Succeeded) is { } failed)
            {
                Report.Progress($"hops: warm-up of {path.Name} had failures, e.g. {failed.Failure}");
            }
        }

        var samples = paths.ToDictionary(p => p, _ => new List<StreamSample>());
        var wall = paths.ToDictionary(p => p, _ => 0.0);
        var peaks = paths.ToDictionary(p => p, _ => new Dictionary<string, double>());
        var cpuUsed = paths.ToDictionary(p => p, _ => new List<double>());
        var load = MachineFacts.LoadAverage();
        var cpu = topology.MeasureCpu();
        for (var round = 1; round <= options.Rounds; round++)
        {
            foreach (var path in paths)
            {
                Report.Progress($"hops: round {round}/{options.Rounds}, {options.Streams} streams to {path.Name}");
                topology.ResetPeaks();
                var pathCpu = topology.MeasureCpu();
                var batch = await RoundAsync(path, Requests.Pace(options.TtftMs, options.Rate, options.Tokens), cancellationToken);
                cpuUsed[path].Add(pathCpu.Shares().Ours);
                samples[path].AddRange(batch.Results);
                wall[path] += batch.WallMs;
                peaks[path] = MemoryTable.Max(peaks[path], MemoryTable.Snapshot(topology.MeasuredProcesses()));
            }
        }

        var cpuShares = cpu.Describe();

        // The same paths one stream at a time: what a hop costs a request when nothing else is running.
        var single = paths.ToDictionary(p => p, _ => new List<StreamSample>());
        Report.Progress($"hops: {SingleStreams} single streams per path, one at a time");
        for (var i = 0; i < SingleStreams; i++)
        {
            foreach (var path in paths)
            {
                var message = $"{Requests.Pace(options.TtftMs, 1000, 5)} {Requests.Question} (single {i})";
                single[path].Add(await StreamTimer.RunAsync(topology.Http, path.Request(message), path.Terminal, cancellationToken));
            }
        }

        Print(paths, samples, wall, peaks, $"{cpuShares}; load average before: {load}, after: {MachineFacts.LoadAverage()}", single, cpuUsed);
    }

    private int SingleStreams => options.Quick ? 5 : 30;

    private int WarmUpRounds => options.Quick ? 1 : 2;

    private void PrintSingle(HopPath[] paths, Dictionary<HopPath, List<StreamSample>> single)
    {
        report.Line($"The same paths with one stream at a time ({SingleStreams} streams per path, interleaved; ttft {options.TtftMs} ms, " +
            "short answers): what each hop costs a request on an otherwise idle system.");
        report.Line();
        var table = new MarkdownTable("path (1 stream)", "streams ok", "TTFT p50", "TTFT p99", "hop adds p50", "hop adds p99");
        Distribution? previous = null;
        foreach (var path in paths)
        {
            var ok = single[path].Where(s => s.Succeeded).ToList();
            var distribution = new Distribution(ok.Select(s => s.TtftMs));
            var baseline = previous is null ? options.TtftMs : double.NaN;
            table.Row(path.Name, $"{ok.Count}/{single[path].Count}", distribution.P50, distribution.P99,
                previous is null ? $"{MarkdownTable.Ms(distribution.P50 - baseline, signed: true)} vs ttft" : MarkdownTable.Ms(distribution.P50 - previous.P50, signed: true),
                previous is null ? $"{MarkdownTable.Ms(distribution.P99 - baseline, signed: true)} vs ttft" : MarkdownTable.Ms(distribution.P99 - previous.P99, signed: true));
            previous = distribution;
        }
        report.Table(table);
    }

    private Task<Batch<StreamSample>> RoundAsync(HopPath path, string directive, CancellationToken cancellationToken) =>
        Load.RunAsync(
            options.Streams,
            options.Ramp,
            i => StreamTimer.RunAsync(topology.Http, path.Request($"{directive} {Requests.Question} (stream {i})"), path.Terminal, cancellationToken),
            cancellationToken);

    private void Print(
        HopPath[] paths,
        Dictionary<HopPath, List<StreamSample>> samples,
        Dictionary<HopPath, double> wall,
        Dictionary<HopPath, Dictionary<string, double>> peaks,
        string machineUse,
        Dictionary<HopPath, List<StreamSample>> single,
        Dictionary<HopPath, List<double>> cpuUsed)
    {
        var gap = options.GapMs;
        report.Line($"### Per-hop streaming: {options.Streams} concurrent streams per path");
        report.Line();
        report.Line($"Simulator: ttft {options.TtftMs} ms, {options.Rate:0.#} deltas/s (configured gap {gap:0.0} ms), answers of {options.Tokens} tokens plus the stance block (one delta per token). " +
            $"{options.Rounds} measured round(s) per path after {WarmUpRounds} warm-up round(s), samples pooled; stream starts spread over {options.Ramp.TotalMilliseconds:0.#} ms. " +
            $"The orchestrator's rate limiter: {topology.Stores}. " +
            $"While measuring, {machineUse}.");
        report.Line();

        var ttft = new MarkdownTable(
            "path", "streams ok", "TTFT p50", "TTFT p99", "hop adds p50", "hop adds p99",
            $"≤ {TargetAddedP50Ms:0} ms p50", $"≤ {TargetAddedP99Ms:0} ms p99");
        Distribution? previous = null;
        foreach (var path in paths)
        {
            var ok = samples[path].Where(s => s.Succeeded).ToList();
            var distribution = new Distribution(ok.Select(s => s.TtftMs));
            if (previous is null)
            {
                ttft.Row(path.Name, $"{ok.Count}/{samples[path].Count}", distribution.P50, distribution.P99,
                    $"{MarkdownTable.Ms(distribution.P50 - options.TtftMs, signed: true)} vs ttft", $"{MarkdownTable.Ms(distribution.P99 - options.TtftMs, signed: true)} vs ttft", "", "");
            }
            else
            {
                var addedP50 = distribution.P50 - previous.P50;
                var addedP99 = distribution.P99 - previous.P99;
                ttft.Row(path.Name, $"{ok.Count}/{samples[path].Count}", distribution.P50, distribution.P99,
                    MarkdownTable.Ms(addedP50, signed: true), MarkdownTable.Ms(addedP99, signed: true),
                    MarkdownTable.Verdict(addedP50 <= TargetAddedP50Ms), MarkdownTable.Verdict(addedP99 <= TargetAddedP99Ms));
            }
            previous = distribution;
        }
        report.Table(ttft);
        report.Line("TTFT: from just before the request is sent to the first text delta read by the client, in ms. " +
            "\"hop adds\" = this path's percentile minus the previous row's same percentile (a difference of percentiles over " +
            "independent streams, not a per-stream difference); for the simulator row, minus the configured ttft.");
        report.Line();
        PrintSingle(paths, single);

        var gaps = new MarkdownTable(
            "path", "gaps", "gap p50", "gap p99", "gap max", $"gaps < {gap / 2:0.#} ms", "p99 vs simulator p99", "as sent",
            "deltas/stream", "duration p50", "duration p99", "streams/s", "CPU used");
        Distribution? simulatorGaps = null;
        foreach (var path in paths)
        {
            var ok = samples[path].Where(s => s.Succeeded).ToList();
            var distribution = new Distribution(ok.SelectMany(s => s.GapsMs));
            simulatorGaps ??= distribution;
            var shortShare = distribution.ShareBelow(gap / 2);
            var asSent = Math.Abs(distribution.P50 - gap) <= 1 && shortShare <= 0.01;
            var total = new Distribution(ok.Select(s => s.TotalMs));
            gaps.Row(path.Name, distribution.Count, distribution.P50, distribution.P99, distribution.Max,
                MarkdownTable.Percent(shortShare), MarkdownTable.Ms(distribution.P99 - simulatorGaps.P99, signed: true),
                MarkdownTable.Verdict(asSent), ok.Count == 0 ? "–" : $"{ok.Average(s => s.Deltas):0.#}",
                total.P50, total.P99, $"{samples[path].Count / (wall[path] / 1000):0.0}",
                MarkdownTable.Percent(cpuUsed[path].Where(double.IsFinite).DefaultIfEmpty(double.NaN).Average()));
        }
        report.Table(gaps);
        report.Line($"Gaps: time between consecutive text deltas of one stream as the client reads them; configured {gap:0.0} ms. " +
            $"\"as sent\" = p50 within 1 ms of the configured gap and at most 1 % of gaps under half of it (two deltas read " +
            "together show as a gap near 0: coalescing). Duration: send to terminal event. streams/s: streams completed per " +
            "second of wall time of their round (bounded by the answer length at this concurrency, not a capacity figure). " +
            $"CPU used: the share of all {Environment.ProcessorCount} cores' time this benchmark's processes (client and services) took during the path's rounds.");
        report.Line();

        var memory = new MemoryTable();
        foreach (var path in paths)
        {
            memory.Add(path.Name, peaks[path]);
        }
        report.Line("Peak resident memory while each path was measured (VmHWM, reset before each round; MiB):");
        report.Line();
        report.Table(memory.Build(AgentId));
    }
}
