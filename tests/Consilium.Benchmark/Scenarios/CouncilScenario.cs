using System.Text;
using Consilium.Benchmark.Hosting;
using Consilium.Benchmark.Measurement;
using Consilium.Benchmark.Reporting;
using Consilium.Council;

namespace Consilium.Benchmark.Scenarios;

/// <summary>
/// What the council adds: each agent's first delta inside a council against the same agent asked alone through
/// <c>/api/agent/{id}</c> (same gateway, same question, same pacing), and the council's end against its slowest agent.
/// Each agent answers a different length (directives with <c>agent=</c>), so the slowest one is known.
/// </summary>
public sealed class CouncilScenario(BenchTopology topology, BenchmarkOptions options, Report report)
{
    private const double TargetFirstDeltaMs = 2, TargetCompletionMs = 5;

    /// <summary>Agent i (roster order) answers <c>BaseTokens + i·StepTokens</c> deltas: <c>cross</c>, last, is the slowest.</summary>
    private const int BaseTokens = 20, StepTokens = 4;

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var system = topology.System;
        var council = new List<CouncilSample>();
        var together = Roster.Ids.ToDictionary(id => id, _ => new List<StreamSample>());
        var alone = Roster.Ids.ToDictionary(id => id, _ => new List<StreamSample>());
        var load = MachineFacts.LoadAverage();

        Report.Progress("council: warm-up (one council, ten agents at once)");
        await CouncilAsync(Message(0), cancellationToken);
        await TogetherAsync(Message(0), cancellationToken);

        topology.ResetPeaks();
        for (var round = 1; round <= options.CouncilRounds; round++)
        {
            Report.Progress($"council: round {round}/{options.CouncilRounds}");
            var message = Message(round);
            council.Add(await CouncilAsync(message, cancellationToken));
            foreach (var (id, sample) in await TogetherAsync(message, cancellationToken))
            {
                together[id].Add(sample);
            }
            foreach (var id in Roster.Ids)
            {
                alone[id].Add(await StreamTimer.RunAsync(
                    topology.Http, Requests.PublicAgent(system.GatewayUrl, system.Secret, id, message), "done", cancellationToken));
            }
        }
        var peaks = MemoryTable.Snapshot(topology.MeasuredProcesses());
        Print(council, together, alone, peaks, load);
    }

    /// <summary>The question with the pacing for every agent: the configured ttft and rate, a different length each.</summary>
    private string Message(int round)
    {
        var text = new StringBuilder();
        for (var i = 0; i < Roster.Ids.Count; i++)
        {
            text.Append(Requests.Pace(options.TtftMs, options.Rate, Tokens(i), Roster.Ids[i])).Append(' ');
        }
        return text.Append(Requests.Question).Append($" (round {round})").ToString();
    }

    private static int Tokens(int rosterIndex) => BaseTokens + (rosterIndex * StepTokens);

    private Task<CouncilSample> CouncilAsync(string message, CancellationToken cancellationToken) =>
        CouncilTimer.RunAsync(topology.Http, Requests.Council(topology.System.GatewayUrl, topology.System.Secret, message), cancellationToken);

    private async Task<IReadOnlyList<(string Id, StreamSample Sample)>> TogetherAsync(string message, CancellationToken cancellationToken)
    {
        var system = topology.System;
        var batch = await Load.RunAsync(Roster.Ids.Count, TimeSpan.Zero, i => StreamTimer.RunAsync(
            topology.Http, Requests.PublicAgent(system.GatewayUrl, system.Secret, Roster.Ids[i], message), "done", cancellationToken), cancellationToken);
        return [.. batch.Results.Select((sample, i) => (Roster.Ids[i], sample))];
    }

    private void Print(
        List<CouncilSample> councils,
        Dictionary<string, List<StreamSample>> together,
        Dictionary<string, List<StreamSample>> alone,
        IReadOnlyDictionary<string, double> peaks,
        string loadBefore)
    {
        var ok = councils.Where(c => c.Succeeded).ToList();
        report.Line($"### Council overhead: {options.CouncilRounds} councils, one at a time, against their agents asked alone");
        report.Line();
        report.Line($"Through the gateway. Each round: one council (`POST /api/consilium`, ten agents, `synthesis: false`); the same question " +
            $"to the ten agents at once via `/api/agent/{{id}}` (\"ten at once\", the same upstream load without the council); then to " +
            $"each agent alone, one after another. Simulator ttft {options.TtftMs} ms, {options.Rate:0.#} deltas/s; agent i answers " +
            $"{BaseTokens} + {StepTokens}·i tokens (vasquez {Tokens(0)} … cross {Tokens(9)}) plus its stance block. One warm-up round first. " +
            $"Rate limiter and event log: {topology.Stores}. Councils ok: {ok.Count}/{councils.Count}" +
            (councils.FirstOrDefault(c => !c.Succeeded) is { } failed ? $" (first failure: {failed.Failure})" : "") +
            $". Load average before: {loadBefore}, after: {MachineFacts.LoadAverage()}.");
        report.Line();

        var table = new MarkdownTable(
            "agent", "deltas", "alone: answer p50", "first delta alone p50", "ten at once p50", "in council p50",
            "council − alone", $"≤ {TargetFirstDeltaMs:0} ms", "council − ten at once", "alone p99", "in council p99");
        var pooled = (Alone: new List<StreamSample>(), Together: new List<StreamSample>(), Council: new List<double>());
        foreach (var id in Roster.Ids)
        {
            var inCouncil = ok.Select(c => c.Agents.GetValueOrDefault(id)?.FirstDeltaMs ?? double.NaN).Where(double.IsFinite).ToList();
            var byItself = alone[id].Where(s => s.Succeeded).ToList();
            var atOnce = together[id].Where(s => s.Succeeded).ToList();
            pooled.Alone.AddRange(byItself);
            pooled.Together.AddRange(atOnce);
            pooled.Council.AddRange(inCouncil);
            AddRow(table, id, byItself, atOnce, inCouncil);
        }
        AddRow(table, "**all agents**", pooled.Alone, pooled.Together, pooled.Council);
        report.Table(table);
        report.Line("First delta: from sending the request to the agent's first text delta (`delta` in the council stream, " +
            "`content_block_delta` alone), ms. \"council − alone\" and \"council − ten at once\" are differences of p50s. " +
            "Deltas: the agent's answer length alone (body plus stance block); answer: request → `done`.");
        report.Line();

        // The slowest agent alone: the one whose answer takes longest by itself (its length includes its stance block).
        var slowestId = Roster.Ids.MaxBy(id => new Distribution(alone[id].Where(s => s.Succeeded).Select(s => s.TotalMs)).P50)!;
        var slowestAlone = new Distribution(alone[slowestId].Where(s => s.Succeeded).Select(s => s.TotalMs));
        var togetherLast = new Distribution(Enumerable.Range(0, options.CouncilRounds)
            .Select(round => Roster.Ids.Select(id => together[id][round]).Where(s => s.Succeeded).Select(s => s.TotalMs).DefaultIfEmpty(double.NaN).Max())
            .Where(double.IsFinite));
        var councilDone = new Distribution(ok.Select(c => c.DoneMs));
        var afterLastAgentDone = new Distribution(ok.Select(c => c.DoneMs - c.Agents.Values.Select(a => a.DoneMs).Max()));
        var afterLastDelta = new Distribution(ok.Select(c => c.DoneMs - c.Agents.Values.Select(a => a.LastDeltaMs).Max()));
        var completionAdded = councilDone.P50 - slowestAlone.P50;
        var completion = new MarkdownTable("measure", "p50", "p99", "target", "verdict")
            .Row("council: request → `done`", councilDone.P50, councilDone.P99, "", "")
            .Row($"slowest agent ({slowestId}) alone: request → `done`", slowestAlone.P50, slowestAlone.P99, "", "")
            .Row("ten at once: request → last `done`", togetherLast.P50, togetherLast.P99, "", "")
            .Row("**council − slowest agent alone** (difference of p50s)", MarkdownTable.Ms(completionAdded, signed: true), "",
                $"≤ {TargetCompletionMs:0} ms", MarkdownTable.Verdict(completionAdded <= TargetCompletionMs))
            .Row("council − ten at once (difference of p50s)", MarkdownTable.Ms(councilDone.P50 - togetherLast.P50, signed: true), "",
                $"≤ {TargetCompletionMs:0} ms", MarkdownTable.Verdict(councilDone.P50 - togetherLast.P50 <= TargetCompletionMs))
            .Row("in the council stream: last `agent_done` → `done`", afterLastAgentDone.P50, afterLastAgentDone.P99, "", "")
            .Row("in the council stream: last `delta` → `done`", afterLastDelta.P50, afterLastDelta.P99, "", "");
        report.Table(completion);

        report.Line("Peak resident memory over the measured rounds (VmHWM, MiB):");
        report.Line();
        report.Table(new MemoryTable().Add("council rounds", peaks).Build());
    }

    private static void AddRow(MarkdownTable table, string name, List<StreamSample> alone, List<StreamSample> together, List<double> council)
    {
        var a = new Distribution(alone.Select(s => s.TtftMs));
        var t = new Distribution(together.Select(s => s.TtftMs));
        var c = new Distribution(council);
        var added = c.P50 - a.P50;
        table.Row(name, alone.Count == 0 ? "–" : $"{alone.Average(s => s.Deltas):0}", new Distribution(alone.Select(s => s.TotalMs)).P50,
            a.P50, t.P50, c.P50, MarkdownTable.Ms(added, signed: true),
            double.IsNaN(added) ? "–" : MarkdownTable.Verdict(added <= TargetFirstDeltaMs),
            MarkdownTable.Ms(c.P50 - t.P50, signed: true), a.P99, c.P99);
    }
}
