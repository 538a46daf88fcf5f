namespace Consilium.Council.Tension;

/// <summary>
/// The deterministic part of the tension map. Only agents that answered with a readable stance take part;
/// the others are listed in <c>missing</c>.
/// <list type="bullet">
/// <item><b>Disagreement</b> of two stances a, b (0..1):
/// <c>p = |a.position − b.position| / 4</c>; over the topics both name, <c>t = mean(|a.topic − b.topic| / 4)</c>;
/// <c>raw = 0.7·p + 0.3·t</c> when they share a topic, else <c>raw = p</c>;
/// <c>d = raw · (0.5 + 0.5·√(a.confidence · b.confidence))</c> — two unsure experts disagree at most half as much
/// as two certain ones. Rounded to 4 decimals; the matrix is symmetric with a zero diagonal by construction.</item>
/// <item><b>Consensus</b> = 1 − the mean of d over all pairs (1 when fewer than two stances).</item>
/// <item><b>Coalitions</b>: complete-linkage clustering — repeatedly merge the two groups whose largest pairwise d
/// is smallest, while it is at most <see cref="CoalitionThreshold"/> (ties: the earliest groups in roster order).
/// So every two members of a coalition disagree by at most the threshold. Groups of one are not coalitions.
/// Members are in roster order; coalitions largest first, then by their first member.</item>
/// <item><b>Outliers</b> (three or more stances): agents whose mean d to the others is at least
/// <see cref="OutlierMinimum"/> and exceeds the council's mean pairwise d by at least <see cref="OutlierMargin"/>.</item>
/// </list>
/// </summary>
public static class TensionMath
{
    public const double PositionWeight = 0.7;
    public const double TopicWeight = 0.3;
    public const double CoalitionThreshold = 0.3;
    public const double OutlierMinimum = 0.35;
    public const double OutlierMargin = 0.15;
    private const int Decimals = 4;

    /// <summary>Computes the map for the verdicts (in the order the council was asked), with no axes and no synthesis.</summary>
    public static TensionMap Compute(IReadOnlyList<AgentVerdict> verdicts)
    {
        var present = verdicts.Where(v => v.Succeeded && v.Stance is not null).ToArray();
        var agents = present.Select(v => v.AgentId).ToArray();
        var stances = present.Select(v => v.Stance!).ToArray();
        var n = stances.Length;

        var matrix = new double[n][];
        for (var i = 0; i < n; i++)
        {
            matrix[i] = new double[n];
        }
        var pairSum = 0.0;
        for (var i = 0; i < n; i++)
        {
            for (var j = i + 1; j < n; j++)
            {
                var d = Distance(stances[i], stances[j]);
                matrix[i][j] = d;
                matrix[j][i] = d;
                pairSum += d;
            }
        }
        var pairs = n * (n - 1) / 2;
        var meanPairwise = pairs == 0 ? 0 : pairSum / pairs;

        var positions = new OrderedDictionary<string, StancePosition>(StringComparer.Ordinal);
        for (var i = 0; i < n; i++)
        {
            positions[agents[i]] = new StancePosition(stances[i].Position, stances[i].Confidence, stances[i].Summary);
        }
        var included = agents.ToHashSet(StringComparer.Ordinal);
        return new TensionMap(
            agents,
            positions,
            matrix,
            Round(1 - meanPairwise),
            Coalitions(matrix, agents),
            Outliers(matrix, agents, meanPairwise),
            [.. verdicts.Select(v => v.AgentId).Where(id => !included.Contains(id))],
            [],
            null);
    }

    /// <summary>The disagreement of two stances, 0 (same view) .. 1 (certain and opposite on everything).</summary>
    public static double Distance(Stance a, Stance b)
    {
        var position = Math.Abs(a.Position - b.Position) / 4.0;
        var topicSum = 0.0;
        var shared = 0;
        foreach (var (topic, value) in a.Topics)
        {
            if (b.Topics.TryGetValue(topic, out var other))
            {
                topicSum += Math.Abs(value - other) / 4.0;
                shared++;
            }
        }
        var raw = shared == 0 ? position : PositionWeight * position + TopicWeight * (topicSum / shared);
        var certainty = Math.Sqrt(Math.Clamp(a.Confidence, 0, 1) * Math.Clamp(b.Confidence, 0, 1));
        return Round(Math.Clamp(raw * (0.5 + 0.5 * certainty), 0, 1));
    }

    private static IReadOnlyList<IReadOnlyList<string>> Coalitions(double[][] matrix, string[] agents)
    {
        var groups = Enumerable.Range(0, agents.Length).Select(i => new List<int> { i }).ToList();
        while (true)
        {
            (int A, int B, double Link)? best = null;
            for (var a = 0; a < groups.Count; a++)
            {
                for (var b = a + 1; b < groups.Count; b++)
                {
                    var link = groups[a].SelectMany(i => groups[b].Select(j => matrix[i][j])).Max();
                    if (link <= CoalitionThreshold && (best is null || link < best.Value.Link))
                    {
                        best = (a, b, link);
                    }
                }
            }
            if (best is not { } merge)
            {
                break;
            }
            groups[merge.A].AddRange(groups[merge.B]);
            groups[merge.A].Sort();
            groups.RemoveAt(merge.B);
        }
        return [.. groups
            .Where(g => g.Count >= 2)
            .OrderByDescending(g => g.Count)
            .ThenBy(g => g[0])
            .Select(g => (IReadOnlyList<string>)[.. g.Select(i => agents[i])])];
    }

    private static IReadOnlyList<string> Outliers(double[][] matrix, string[] agents, double meanPairwise)
    {
        var n = agents.Length;
        if (n < 3)
        {
            return [];
        }
        var outliers = new List<string>();
        for (var i = 0; i < n; i++)
        {
            var mean = matrix[i].Sum() / (n - 1);
            if (mean >= OutlierMinimum && mean >= meanPairwise + OutlierMargin)
            {
                outliers.Add(agents[i]);
            }
        }
        return outliers;
    }

    private static double Round(double value) => Math.Round(value, Decimals, MidpointRounding.AwayFromZero);
}
