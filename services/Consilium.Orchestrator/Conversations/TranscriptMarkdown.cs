using System.Globalization;
using System.Text;
using Consilium.Council;

namespace Consilium.Orchestrator.Conversations;

/// <summary>A transcript as Markdown a person can paste into a memo: every round, its map, who moved, every answer, the cost.</summary>
public static class TranscriptMarkdown
{
    public static string Write(Transcript transcript)
    {
        var culture = CultureInfo.InvariantCulture;
        var md = new StringBuilder();
        md.Append(culture, $"# Consilium conversation {transcript.ConversationId}\n\n");
        md.Append(culture, $"Started {transcript.CreatedAt:u}; {transcript.Rounds.Count} round{(transcript.Rounds.Count == 1 ? "" : "s")}; ");
        md.Append(culture, $"{transcript.Usage.InputTokens + transcript.Usage.CacheReadInputTokens + transcript.Usage.CacheCreationInputTokens} input and {transcript.Usage.OutputTokens} output tokens; cost ${transcript.CostUsd:0.######}.\n");
        foreach (var round in transcript.Rounds)
        {
            md.Append(culture, $"\n## Round {round.Round}{(round.Mode == ConversationModes.Rebuttal ? " (rebuttal)" : "")}\n\n");
            if (!string.IsNullOrEmpty(round.Question))
            {
                md.Append("> ").Append(round.Question.ReplaceLineEndings("\n> ")).Append("\n\n");
            }
            md.Append("Asked: ").Append(string.Join(", ", round.Agents.Select(Name))).Append(culture, $". Outcome: {round.Outcome}. Cost ${round.CostUsd:0.######}.\n");
            if (round.TensionMap is { } map)
            {
                md.Append(culture, $"\n### Tension map\n\nConsensus {map.Consensus:0.00}.");
                if (map.Coalitions.Count > 0)
                {
                    md.Append(" Coalitions: ").Append(string.Join("; ", map.Coalitions.Select(c => string.Join(", ", c.Select(Name))))).Append('.');
                }
                if (map.Outliers.Count > 0)
                {
                    md.Append(" Outliers: ").Append(string.Join(", ", map.Outliers.Select(Name))).Append('.');
                }
                md.Append('\n');
                foreach (var (id, shift) in map.Shifts ?? new Dictionary<string, Consilium.Council.Conversations.StanceShift>())
                {
                    md.Append(culture, $"- {Name(id)} {(shift.From == shift.To ? "held" : "moved")}: {shift.From:+0;-0;0} → {shift.To:+0;-0;0} (confidence {shift.ConfidenceFrom:0.00} → {shift.ConfidenceTo:0.00})\n");
                }
                if (map.NotAsked is { Count: > 0 } notAsked)
                {
                    md.Append("- Not asked (last stance kept): ").Append(string.Join(", ", notAsked.Select(Name))).Append('\n');
                }
                foreach (var axis in map.Axes)
                {
                    md.Append(culture, $"- **{axis.Topic}** — for: {string.Join(", ", axis.For.Select(Name))}; against: {string.Join(", ", axis.Against.Select(Name))}. Crux: {axis.Crux}\n");
                }
                if (!string.IsNullOrEmpty(round.Synthesis))
                {
                    md.Append("\n### Synthesis\n\n").Append(round.Synthesis).Append('\n');
                }
            }
            foreach (var answer in round.Answers)
            {
                md.Append(culture, $"\n### {Name(answer.Agent)}");
                if (answer.Stance is { } stance)
                {
                    md.Append(culture, $" — position {stance.Position:+0;-0;0}, confidence {stance.Confidence:0.00}");
                }
                md.Append('\n');
                if (answer.DroppedExchanges > 0)
                {
                    md.Append(culture, $"\n_Thread trimmed: {answer.DroppedExchanges} earlier exchange(s) left out (AGENT_THREAD_MAX_TOKENS)._\n");
                }
                md.Append('\n').Append(answer.Succeeded ? answer.Text.Trim() : "_No answer (the agent failed)._").Append('\n');
            }
        }
        return md.ToString();
    }

    private static string Name(string id) => Roster.TryGet(id, out var agent) ? agent.Name : id;
}
