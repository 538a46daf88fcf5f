using Consilium.Benchmark.Hosting;
using Consilium.Benchmark.Measurement;
using Consilium.Benchmark.Reporting;

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
        Report.Progress("cold: the first council after ready");
        var first = await CouncilAsync("cold", cancellationToken);
        for (var i = 0; i < WarmUpCouncils; i++)
        {
            await CouncilAsync($"warm-up {i}", cancellationToken);
        }
        var warm = new List<CouncilSample>();
        for (var i = 0; i < WarmCouncils; i++)
        {
            Report.Progress($"cold: warm council {i + 1}/{WarmCouncils}");
            warm.Add(await CouncilAsync($"warm {i}", cancellationToken));
        }

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
    }

    private static double FirstDelta(CouncilSample sample) =>
        sample.Agents.Values.Select(a => a.FirstDeltaMs).Where(double.IsFinite).DefaultIfEmpty(double.NaN).Min();

    private Task<CouncilSample> CouncilAsync(string label, CancellationToken cancellationToken) =>
        CouncilTimer.RunAsync(topology.Council,
            Requests.Council($"{Requests.Pace(options.TtftMs, options.Rate, options.Tokens)} {Requests.Question} ({label})"), cancellationToken);
}
