namespace Consilium.Council.Conversations;

/// <summary>
/// An agent's thread cut to <c>AGENT_THREAD_MAX_TOKENS</c>: while the thread plus this round's question is longer,
/// the oldest middle exchange (a question and the agent's answer to it) is dropped. The first exchange — the
/// conversation's first question — and the latest exchange are always kept, so the roles still alternate. A thread
/// of more than <see cref="ThreadRules.MaxTurns"/> turns is cut the same way.
/// </summary>
public static class AgentThread
{
    public sealed record Trimmed(IReadOnlyList<ThreadTurn> Turns, int DroppedExchanges);

    public static Trimmed Trim(IReadOnlyList<ThreadTurn> turns, string question, int maxTokens)
    {
        var exchanges = new List<(ThreadTurn Question, ThreadTurn Answer)>();
        for (var i = 0; i + 1 < turns.Count; i += 2)
        {
            exchanges.Add((turns[i], turns[i + 1]));
        }
        var total = (question.Length + 3) / 4 + exchanges.Sum(e => e.Question.EstimatedTokens + e.Answer.EstimatedTokens);
        var dropped = 0;
        while ((total > maxTokens || exchanges.Count > ThreadRules.MaxTurns / 2) && exchanges.Count > 2)
        {
            var oldestMiddle = exchanges[1];
            total -= oldestMiddle.Question.EstimatedTokens + oldestMiddle.Answer.EstimatedTokens;
            exchanges.RemoveAt(1);
            dropped++;
        }
        return new Trimmed([.. exchanges.SelectMany(e => new[] { e.Question, e.Answer })], dropped);
    }
}
