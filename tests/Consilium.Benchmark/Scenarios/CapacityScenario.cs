using Consilium.Benchmark.Hosting;
using Consilium.Benchmark.Measurement;
using Consilium.Benchmark.Reporting;

namespace Consilium.Benchmark.Scenarios;

/// <summary>
/// How many concurrent councils (each ten upstream streams) this machine carries while every stream's chunks still
/// flow on time: steps of 1, 2, 5, 10, 20, 40, … councils at once until the inter-chunk gap p99 passes the limit,
/// any stream fails, or the time cap would be passed; then bisection between the last passing and the failing step.
/// </summary>
public sealed class CapacityScenario(BenchTopology topology, BenchmarkOptions options, Report report)
{
    /// <summary>One step of councils at once: its failure (if any), gaps, first deltas, durations, memory and CPU shares.</summary>
    internal sealed record Step(
        int Councils, int Succeeded, int Streams, string? Failure, Distribution Gaps, Distribution FirstDelta,
        Distribution Duration, IReadOnlyDictionary<string, double> Peaks, double OursCpu, double OthersCpu, double ClientUsPerDelta)
    {
        public bool Passed(double limit) => Failure is null && Gaps.P99 < limit;
    }

    private const int WarmUpCouncils = 5;

    private int WarmUpSeconds => options.Quick ? 2 : 20;

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var message = $"{Requests.Pace(options.TtftMs, options.Rate, options.CapacityTokens)} {Requests.Question}";
        var expectedMs = options.TtftMs + (options.CapacityTokens * options.GapMs);

        // Warm-up: every process starts in unoptimised (tier-0) code and re-compiles its hot paths in the background.
        // Until that settles, ten lightly loaded agent processes cost several times the CPU they do later (measured:
        // ten agents with one stream each used ~75 % of the two cores in their first 5 s, ~15 % once warm), so the
        // search starts only after councils have run for a while.
        var warming = Clock.Now();
        for (var round = 1; round == 1 || Clock.MsSince(warming) < WarmUpSeconds * 1000; round++)
        {
            Report.Progress($"capacity: warm-up round {round} ({WarmUpCouncils} councils at once, {WarmUpSeconds} s in all)");
            await Load.RunAsync(WarmUpCouncils, options.Ramp, _ => CouncilTimer.RunAsync(
                topology.Council, Requests.Council(message), cancellationToken), cancellationToken);
        }

        var steps = new List<Step>();
        var searching = Clock.Now();
        var lastStepMs = expectedMs;
        bool TimeLeft() => (options.CapacitySeconds * 1000) - Clock.MsSince(searching) > lastStepMs * 1.5;
        async Task<Step> RunStepAsync(int councils)
        {
            Report.Progress($"capacity: {councils} concurrent councils ({councils * 10} upstream streams)");
            topology.ResetPeaks();
            var step = await StepAsync(topology, options, councils, message, cancellationToken);
            lastStepMs = step.Duration.Max;
            steps.Add(step);
            return step;
        }

        // Step up until a step fails; then bisect between the last passing and the failing step while time allows.
        int passing = 0, failing = 0;
        foreach (var councils in StepSizes().TakeWhile(n => n <= options.MaxCouncils))
        {
            if (steps.Count > 0 && !TimeLeft())
            {
                Report.Progress($"capacity: stopping before {councils} councils (time cap {options.CapacitySeconds} s)");
                break;
            }
            if (!(await RunStepAsync(councils)).Passed(options.GapLimitMs))
            {
                failing = councils;
                break;
            }
            passing = councils;
        }
        while (failing - passing > 1 && TimeLeft())
        {
            var middle = (passing + failing) / 2;
            if ((await RunStepAsync(middle)).Passed(options.GapLimitMs))
            {
                passing = middle;
            }
            else
            {
                failing = middle;
            }
        }
        Print(steps);
    }

    /// <summary>1, 2, 5, 10, 20, 40, 80, … (doubling after 10).</summary>
    private static IEnumerable<int> StepSizes()
    {
        int[] first = [1, 2, 5, 10];
        foreach (var n in first)
        {
            yield return n;
        }
        for (var n = 20; n < int.MaxValue / 2; n *= 2)
        {
            yield return n;
        }
    }

    /// <summary><paramref name="councils"/> councils at once on <paramref name="topology"/> (also the telemetry scenario's capacity steps).</summary>
    internal static async Task<Step> StepAsync(BenchTopology topology, BenchmarkOptions options, int councils, string message, CancellationToken cancellationToken)
    {
        var cpu = topology.MeasureCpu();
        // The client shares the cores with the services it measures: its own CPU per delta read says what it takes.
        var clientCpu = ProcessCpu.Microseconds([Environment.ProcessId]);
        var batch = await Load.RunAsync(councils, options.Ramp, _ => CouncilTimer.RunAsync(
            topology.Council, Requests.Council(message), cancellationToken), cancellationToken);
        clientCpu = ProcessCpu.Microseconds([Environment.ProcessId]) - clientCpu;
        var peaks = MemoryTable.Snapshot(topology.MeasuredProcesses());
        var (ours, others) = cpu.Shares();
        var samples = batch.Results;
        var agents = samples.SelectMany(c => c.Agents.Values).ToList();
        var failure = samples.FirstOrDefault(c => !c.Succeeded)?.Failure
            ?? (agents.Count < councils * 10 ? $"{councils * 10 - agents.Count} agent streams sent no delta" : null)
            ?? (agents.FirstOrDefault(a => a.Deltas < options.CapacityTokens / 2) is { } cut ? $"an agent stream sent only {cut.Deltas} deltas" : null);
        return new Step(
            councils,
            samples.Count(c => c.Succeeded),
            agents.Count,
            failure,
            new Distribution(agents.SelectMany(a => a.GapsMs)),
            new Distribution(agents.Select(a => a.FirstDeltaMs).Where(double.IsFinite)),
            new Distribution(samples.Select(c => c.DoneMs)),
            peaks,
            ours,
            others,
            clientCpu / Math.Max(1, agents.Sum(a => a.Deltas)));
    }

    private void Print(List<Step> steps)
    {
        var firstFailure = steps.Where(s => !s.Passed(options.GapLimitMs)).MinBy(s => s.Councils);
        var passed = steps.Where(s => s.Passed(options.GapLimitMs) && s.Councils < (firstFailure?.Councils ?? int.MaxValue))
            .Select(s => s.Councils).DefaultIfEmpty(0).Max();
        var stoppedBy = steps.Count == 0 ? "no step ran"
            : firstFailure is null ? "the time cap or the largest step, not a failure: the true limit is higher"
            : firstFailure.Failure is { } failure ? $"errors at {firstFailure.Councils} councils ({failure})"
            : $"gap p99 {firstFailure.Gaps.P99:0.0} ms ≥ {options.GapLimitMs:0} ms at {firstFailure.Councils} councils";

        report.Line($"### Council capacity: concurrent councils with every stream's gap p99 under {options.GapLimitMs:0} ms");
        report.Line();
        report.Line($"Each council: `POST /api/consilium` through the gateway, ten agents, `synthesis: false`, every agent " +
            $"{options.CapacityTokens} tokens plus its stance block, one delta per token, at {options.Rate:0.#}/s (configured gap {options.GapMs:0.0} ms) after ttft {options.TtftMs} ms; " +
            $"council starts spread over {options.Ramp.TotalMilliseconds:0.#} ms; {WarmUpSeconds} s of councils first, as warm-up. Rate limiter and event log: {topology.Stores}. " +
            $"Steps 1, 2, 5, 10, 20, 40, … until a step fails, then bisection between the last pass and the first failure; " +
            $"time cap {options.CapacitySeconds} s. " +
            $"**Largest passing step: {passed} concurrent councils ({passed * 10} upstream streams)**; the search stopped on {stoppedBy}.");
        report.Line();

        var table = new MarkdownTable(
            "councils", "agent streams", "councils ok", "gap p50", "gap p99", "gap max", "first delta p50", "first delta p99",
            "council p50", "council p99", $"p99 < {options.GapLimitMs:0} ms, no errors", "CPU: ours", "CPU: others", "client µs/delta");
        foreach (var step in steps.OrderBy(s => s.Councils))
        {
            table.Row(step.Councils, step.Streams, $"{step.Succeeded}/{step.Councils}", step.Gaps.P50, step.Gaps.P99, step.Gaps.Max,
                step.FirstDelta.P50, step.FirstDelta.P99, step.Duration.P50, step.Duration.P99,
                MarkdownTable.Verdict(step.Passed(options.GapLimitMs)), MarkdownTable.Percent(step.OursCpu), MarkdownTable.Percent(step.OthersCpu), step.ClientUsPerDelta);
        }
        report.Table(table);
        report.Line("Gaps: between consecutive `delta` events of one agent in one council stream, as the client reads them, ms. " +
            "First delta: request sent → an agent's first `delta`. Council: request sent → `done`. CPU: share of all " +
            $"{Environment.ProcessorCount} cores' time during the step used by this benchmark's processes (client, services, Redis) and by the rest of the machine. " +
            "Client µs/delta: this benchmark process's own CPU time during the step (utime + stime, 10 ms ticks) per `delta` it read.");
        report.Line();

        var memory = new MemoryTable();
        foreach (var step in steps.OrderBy(s => s.Councils))
        {
            memory.Add($"{step.Councils} councils", step.Peaks);
        }
        report.Line("Peak resident memory per step (VmHWM, reset before each step; MiB):");
        report.Line();
        report.Table(memory.Build());
    }
}
