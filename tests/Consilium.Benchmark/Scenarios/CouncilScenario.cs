using Consilium.Benchmark.Hosting;
using Consilium.Benchmark.Measurement;
using Consilium.Benchmark.Reporting;
using Consilium.Council;

namespace Consilium.Benchmark.Scenarios;

/// <summary>
/// What the council adds: each agent's first delta inside a council against the same agent asked the same question
/// alone through <c>/api/agent/{id}</c>, and the council's end against its slowest agent alone. The simulator's answer
/// is a function of (model, system prompt, question), so within a round every agent answers exactly the same text in
/// the council, alone, and in the "ten at once" control; the comparisons are made round by round.
/// </summary>
public sealed class CouncilScenario(BenchTopology topology, BenchmarkOptions options, Report report)
{
    private const double TargetFirstDeltaMs = 2, TargetCompletionMs = 5;

    /// <summary>Answer length (tokens before the ~45-token stance block) for every agent: short, so a round stays short.</summary>
    private const int Tokens = 10;

    /// <summary>One round: the council, the ten agents at once, and each agent alone — all asked the same question.</summary>
    private sealed record Round(CouncilSample Council, IReadOnlyDictionary<string, StreamSample> Together, IReadOnlyDictionary<string, StreamSample> Alone)
    {
        public bool Complete =>
            Council.Succeeded && Together.Values.All(s => s.Succeeded) && Alone.Values.All(s => s.Succeeded)
            && Roster.Ids.All(id => Council.Agents.TryGetValue(id, out var a) && double.IsFinite(a.FirstDeltaMs));
    }

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var load = MachineFacts.LoadAverage();
        Report.Progress("council: warm-up round");
        await RoundAsync(0, cancellationToken);

        topology.ResetPeaks();
        var cpu = topology.MeasureCpu();
        var rounds = new List<Round>();
        for (var i = 1; i <= options.CouncilRounds; i++)
        {
            Report.Progress($"council: round {i}/{options.CouncilRounds}");
            rounds.Add(await RoundAsync(i, cancellationToken));
        }
        Print(rounds, MemoryTable.Snapshot(topology.MeasuredProcesses()), $"{cpu.Describe()}; load average before: {load}, after: {MachineFacts.LoadAverage()}");
    }

    private async Task<Round> RoundAsync(int round, CancellationToken cancellationToken)
    {
        var system = topology.System;
        var message = $"{Requests.Pace(options.TtftMs, options.Rate, Tokens)} {Requests.Question} (round {round})";
        var council = await CouncilTimer.RunAsync(topology.Council, Requests.Council(message), cancellationToken);
        var together = await Load.RunAsync(Roster.Ids.Count, TimeSpan.Zero, i => StreamTimer.RunAsync(
            topology.Http, Requests.PublicAgent(system.GatewayUrl, system.Secret, Roster.Ids[i], message), "done", cancellationToken), cancellationToken);
        var alone = new Dictionary<string, StreamSample>();
        foreach (var id in Roster.Ids)
        {
            alone[id] = await StreamTimer.RunAsync(
                topology.Http, Requests.PublicAgent(system.GatewayUrl, system.Secret, id, message), "done", cancellationToken);
        }
        return new Round(council, Roster.Ids.Select((id, i) => (id, together.Results[i])).ToDictionary(), alone);
    }

    private void Print(List<Round> rounds, IReadOnlyDictionary<string, double> peaks, string machineUse)
    {
        var ok = rounds.Where(r => r.Complete).ToList();
        var failure = rounds.Select(r => r.Council.Failure
                ?? r.Together.Values.Concat(r.Alone.Values).FirstOrDefault(s => !s.Succeeded)?.Failure)
            .FirstOrDefault(f => f is not null);
        report.Line($"### Council overhead: {options.CouncilRounds} councils, one at a time, against their agents asked alone");
        report.Line();
        report.Line("Through the gateway. Each round asks one question three ways: a council (`POST /api/consilium`, ten agents, " +
            "`synthesis: false`); the ten agents at once via `/api/agent/{id}` (\"ten at once\": the same upstream load without the " +
            "council); each agent alone, one after another. The simulator answers a question identically each time, so each " +
            $"agent streams the same text in all three. Simulator ttft {options.TtftMs} ms, {options.Rate:0.#} deltas/s, {Tokens} tokens " +
            $"plus the stance block. One warm-up round first. Rate limiter and event log: {topology.Stores}. " +
            $"Complete rounds: {ok.Count}/{rounds.Count}{(failure is null ? "" : $" (first failure: {failure})")}. " +
            $"While measuring, {machineUse}.");
        report.Line();

        var table = new MarkdownTable(
            "agent", "deltas", "first delta alone p50", "ten at once p50", "in council p50",
            "council − alone", $"≤ {TargetFirstDeltaMs:0} ms", "council − ten at once", "alone p99", "in council p99");
        foreach (var id in Roster.Ids)
        {
            AddRow(table, id, ok.Select(r => r.Alone[id]).ToList(), ok.Select(r => r.Together[id].TtftMs), ok.Select(r => r.Council.Agents[id].FirstDeltaMs));
        }
        AddRow(table, "**all agents**",
            [.. ok.SelectMany(r => r.Alone.Values)],
            ok.SelectMany(r => r.Together.Values.Select(s => s.TtftMs)),
            ok.SelectMany(r => r.Council.Agents.Values.Select(a => a.FirstDeltaMs)));
        report.Table(table);
        report.Line("First delta: from sending the request to the agent's first text delta (`delta` in the council stream, " +
            "`content_block_delta` alone), ms. \"council − alone\" and \"council − ten at once\" are differences of the p50s. " +
            "Deltas: the mean answer length in deltas (body plus stance block).");
        report.Line();

        // Per round: the council's end against the slowest of its agents asked the same question alone (and all ten at once).
        var councilDone = new Distribution(ok.Select(r => r.Council.DoneMs));
        var slowestAlone = new Distribution(ok.Select(r => r.Alone.Values.Max(s => s.TotalMs)));
        var togetherLast = new Distribution(ok.Select(r => r.Together.Values.Max(s => s.TotalMs)));
        var overSlowest = new Distribution(ok.Select(r => r.Council.DoneMs - r.Alone.Values.Max(s => s.TotalMs)));
        var overTogether = new Distribution(ok.Select(r => r.Council.DoneMs - r.Together.Values.Max(s => s.TotalMs)));
        var afterLastAgentDone = new Distribution(ok.Select(r => r.Council.DoneMs - r.Council.Agents.Values.Max(a => a.DoneMs)));
        var afterLastDelta = new Distribution(ok.Select(r => r.Council.DoneMs - r.Council.Agents.Values.Max(a => a.LastDeltaMs)));
        var completion = new MarkdownTable("measure (per round, then over rounds)", "p50", "p99", "target", "verdict")
            .Row("council: request → `done`", councilDone.P50, councilDone.P99, "", "")
            .Row("its slowest agent alone: request → `done`", slowestAlone.P50, slowestAlone.P99, "", "")
            .Row("ten at once: request → last `done`", togetherLast.P50, togetherLast.P99, "", "")
            .Row("**council − slowest agent alone**", MarkdownTable.Ms(overSlowest.P50, signed: true), MarkdownTable.Ms(overSlowest.P99, signed: true),
                $"≤ {TargetCompletionMs:0} ms p50", MarkdownTable.Verdict(overSlowest.P50 <= TargetCompletionMs))
            .Row("council − ten at once", MarkdownTable.Ms(overTogether.P50, signed: true), MarkdownTable.Ms(overTogether.P99, signed: true), "", "")
            .Row("in the council stream: last `agent_done` → `done`", afterLastAgentDone.P50, afterLastAgentDone.P99, "", "")
            .Row("in the council stream: last `delta` → `done`", afterLastDelta.P50, afterLastDelta.P99, "", "");
        report.Table(completion);
        report.Line("Completion: each round's council against the same round's slowest agent alone (the longest of the ten " +
            "single-agent answers to that question), then p50/p99 over the rounds.");
        report.Line();

        report.Line("Peak resident memory over the measured rounds (VmHWM, MiB):");
        report.Line();
        report.Table(new MemoryTable().Add("council rounds", peaks).Build());
    }

    private static void AddRow(MarkdownTable table, string name, List<StreamSample> alone, IEnumerable<double> together, IEnumerable<double> council)
    {
        var a = new Distribution(alone.Select(s => s.TtftMs));
        var t = new Distribution(together);
        var c = new Distribution(council);
        var added = c.P50 - a.P50;
        table.Row(name, alone.Count == 0 ? "–" : $"{alone.Average(s => s.Deltas):0}", a.P50, t.P50, c.P50,
            MarkdownTable.Ms(added, signed: true), double.IsNaN(added) ? "–" : MarkdownTable.Verdict(added <= TargetFirstDeltaMs),
            MarkdownTable.Ms(c.P50 - t.P50, signed: true), a.P99, c.P99);
    }
}
