using Consilium.Benchmark.Hosting;
using Consilium.Benchmark.Measurement;
using Consilium.Benchmark.Reporting;
using Consilium.Client;

namespace Consilium.Benchmark.Scenarios;

/// <summary>
/// A conversation's follow-up rounds against its first (docs/api.md, "Conversations"): conversations of several rounds,
/// the same ten agents every round, each round's agents answering with their own thread. Per round: the first delta
/// of each agent (request sent → its first <c>delta</c>) and the share of the prompt's tokens read from the cache, from
/// the <c>usage</c> of every <c>agent_done</c> (<c>cache_read / (input + cache_read + cache_creation)</c>). Conversations
/// run one after another, so the figures are a round's own, not the machine's load.
/// </summary>
public sealed class FollowUpScenario(BenchTopology topology, BenchmarkOptions options, Report report)
{
    private const int Rounds = 3;

    private static readonly string[] Questions =
    [
        Requests.Question,
        "Which of your earlier conditions would change your answer first, and by how much?",
        "Assume the financing costs one point more than you assumed. Does your answer hold?",
    ];

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var conversations = options.Quick ? 2 : Math.Max(4, options.CouncilRounds);
        var pace = Requests.Pace(options.TtftMs, options.Rate, options.Quick ? 20 : 60);
        var samples = Enumerable.Range(0, Rounds).Select(_ => new List<CouncilSample>()).ToArray();

        // One conversation as warm-up: the first use of each code path, and the simulator's cache of each persona's prompt.
        for (var conversation = -1; conversation < conversations; conversation++)
        {
            Report.Progress(conversation < 0
                ? "follow-up: warm-up conversation"
                : $"follow-up: conversation {conversation + 1} of {conversations}, {Rounds} rounds");
            string? conversationId = null;
            for (var round = 0; round < Rounds; round++)
            {
                // A question of its own per conversation: round 1 is a new prompt, so its cache reads are the system prompt only.
                var message = $"{pace} {Questions[round]} (conversation {conversation + 2})";
                var request = conversationId is null
                    ? Requests.Council(message)
                    : Requests.FollowUp(conversationId, message);
                var sample = await CouncilTimer.RunAsync(topology.Council, request, cancellationToken);
                if (!sample.Succeeded || sample.ConversationId is null)
                {
                    throw new InvalidOperationException(
                        $"follow-up: round {round + 1} failed: {sample.Failure ?? "its session event has no conversationId"}");
                }
                conversationId = sample.ConversationId;
                if (conversation >= 0)
                {
                    samples[round].Add(sample);
                }
            }
        }
        Print(samples, conversations);
    }

    private void Print(List<CouncilSample>[] samples, int conversations)
    {
        var table = new MarkdownTable("round", "councils", "agent answers", "first delta p50", "first delta p99", "vs round 1 (p50)",
            "prompt tokens per answer", "cache read", "cache write", "uncached input", "cache-read share of input");
        var firstP50 = double.NaN;
        for (var round = 0; round < samples.Length; round++)
        {
            var agents = samples[round].SelectMany(s => s.Agents.Values).ToArray();
            var first = new Distribution(agents.Select(a => a.FirstDeltaMs).Where(double.IsFinite));
            var usage = agents.Select(a => a.Usage).OfType<Usage>().ToArray();
            // Every token of the prompt: uncached (input_tokens excludes the cached ones), read from the cache and written to it.
            long prompt = usage.Sum(u => u.InputTokens + u.CacheReadInputTokens + u.CacheCreationInputTokens), read = usage.Sum(u => u.CacheReadInputTokens);
            if (round == 0)
            {
                firstP50 = first.P50;
            }
            table.Row(round + 1, samples[round].Count, agents.Length, first.P50, first.P99,
                round == 0 ? "–" : MarkdownTable.Ms(first.P50 - firstP50, signed: true) + " ms",
                usage.Length == 0 ? "–" : (prompt / usage.Length).ToString(System.Globalization.CultureInfo.InvariantCulture),
                read, usage.Sum(u => u.CacheCreationInputTokens), usage.Sum(u => u.InputTokens),
                prompt == 0 ? "–" : MarkdownTable.Percent((double)read / prompt));
        }
        report.Line("### Follow-up rounds: first delta and cache reads per round");
        report.Line();
        report.Line($"{conversations} conversations of {samples.Length} rounds, one after another, after one as warm-up: round 1 is " +
            "`POST /api/consilium`, rounds 2 and 3 send its `conversationId` (the same ten agents, each with its own thread), " +
            $"`synthesis: false`, ttft {options.TtftMs} ms. First delta: request sent → an agent's first `delta` (ms). " +
            "Tokens from each `agent_done`'s `usage`, summed over the round's answers; the share is cache reads over every prompt token " +
            $"(uncached + cache read + cache write). Event log: {topology.Stores}.");
        report.Line();
        report.Table(table);
    }
}
