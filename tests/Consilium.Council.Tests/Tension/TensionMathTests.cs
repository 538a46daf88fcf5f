using Consilium.Council.Tension;

namespace Consilium.Council.Tests.Tension;

public class TensionMathTests
{
    private static Stance S(int position, double confidence = 1, params (string Topic, int Value)[] topics) =>
        new(position, confidence, $"Position {position}.", topics.ToDictionary(t => t.Topic, t => t.Value));

    [Fact]
    public void Distance_SamePositionFullConfidence_IsZero() =>
        Assert.Equal(0, TensionMath.Distance(S(1), S(1)));

    [Fact]
    public void Distance_OppositeExtremesFullConfidence_IsOne() =>
        Assert.Equal(1, TensionMath.Distance(S(-2), S(2)));

    [Fact]
    public void Distance_OppositeExtremesZeroConfidence_IsHalved() =>
        Assert.Equal(0.5, TensionMath.Distance(S(-2, 0), S(2, 0)));

    [Fact]
    public void Distance_SharedTopics_BlendSeventyThirty()
    {
        // p = |1 - (-1)| / 4 = 0.5; the shared topics agree, t = 0 → 0.7·0.5 + 0.3·0 = 0.35.
        var a = S(1, 1, ("financing", 2), ("demand", 0));
        var b = S(-1, 1, ("financing", 2), ("demand", 0));
        Assert.Equal(0.35, TensionMath.Distance(a, b));
    }

    [Fact]
    public void Distance_TopicsNotShared_UsePositionOnly()
    {
        var a = S(2, 1, ("financing", 2));
        var b = S(0, 1, ("demand", -2));
        Assert.Equal(0.5, TensionMath.Distance(a, b));
    }

    [Fact]
    public void Compute_TenStances_MatrixIsSymmetricWithZeroDiagonalInRange()
    {
        var positions = new[] { 2, 1, 0, -1, -2, 2, 1, 0, -1, -2 };
        var verdicts = Roster.Ids.Select((id, i) => AgentVerdict.Answered(id, S(positions[i], 0.1 * (i + 1), ("cost", positions[(i + 3) % 10])))).ToList();

        var map = TensionMath.Compute(verdicts);

        Assert.Equal(Roster.Ids, map.Agents);
        Assert.Equal(10, map.Matrix.Count);
        for (var i = 0; i < 10; i++)
        {
            Assert.Equal(10, map.Matrix[i].Count);
            Assert.Equal(0, map.Matrix[i][i]);
            for (var j = 0; j < 10; j++)
            {
                Assert.Equal(map.Matrix[i][j], map.Matrix[j][i]);
                Assert.InRange(map.Matrix[i][j], 0, 1);
            }
        }
        Assert.InRange(map.Consensus, 0, 1);
        Assert.Empty(map.Missing);
        Assert.Null(map.Synthesis);
        Assert.Empty(map.Axes);
    }

    [Fact]
    public void Compute_SameInputTwice_IsIdentical()
    {
        var verdicts = Roster.Ids.Select((id, i) => AgentVerdict.Answered(id, S(i % 5 - 2, 0.5 + i * 0.05, ("risk", i % 3 - 1)))).ToList();

        var first = TensionMath.Compute(verdicts);
        var second = TensionMath.Compute(verdicts);

        Assert.Equal(first.Consensus, second.Consensus);
        Assert.Equal(first.Matrix.SelectMany(r => r), second.Matrix.SelectMany(r => r));
        Assert.Equal(first.Coalitions.Select(c => string.Join(",", c)), second.Coalitions.Select(c => string.Join(",", c)));
        Assert.Equal(first.Outliers, second.Outliers);
    }

    [Fact]
    public void Compute_UnanimousCouncil_ConsensusOneOneCoalitionNoOutliers()
    {
        var verdicts = Roster.Ids.Select(id => AgentVerdict.Answered(id, S(1, 0.8))).ToList();

        var map = TensionMath.Compute(verdicts);

        Assert.Equal(1, map.Consensus);
        Assert.Equal([Roster.Ids], map.Coalitions);
        Assert.Empty(map.Outliers);
    }

    [Fact]
    public void Compute_OneDissenter_IsTheOutlierAndOutsideTheCoalition()
    {
        var verdicts = Roster.Ids.Select(id => AgentVerdict.Answered(id, id == "cross" ? S(-2, 0.9) : S(2, 0.8))).ToList();

        var map = TensionMath.Compute(verdicts);

        Assert.Equal(["cross"], map.Outliers);
        Assert.Single(map.Coalitions);
        Assert.Equal(Roster.Ids.Where(id => id != "cross"), map.Coalitions[0]);
        Assert.True(map.Consensus < 1);
    }

    [Fact]
    public void Compute_TwoCamps_TwoCoalitionsLargestFirstNoOutliers()
    {
        var camp = new HashSet<string> { "vasquez", "webb", "chen", "okafor" };
        var verdicts = Roster.Ids.Select(id => AgentVerdict.Answered(id, camp.Contains(id) ? S(-2) : S(2))).ToList();

        var map = TensionMath.Compute(verdicts);

        Assert.Equal(2, map.Coalitions.Count);
        Assert.Equal(6, map.Coalitions[0].Count);
        Assert.Equal(["vasquez", "webb", "chen", "okafor"], map.Coalitions[1]);
        Assert.Empty(map.Outliers);
        // 24 opposed pairs of 45, each at distance 1.
        Assert.Equal(Math.Round(1 - 24.0 / 45, 4), map.Consensus);
    }

    [Fact]
    public void Compute_CoalitionsUseCompleteLinkage_NoChainingAcrossTheScale()
    {
        // -2,-1,0,1,2 at full confidence: neighbours are 0.25 apart but the ends are 1 apart; single linkage would
        // chain all five into one group, complete linkage must not.
        var ids = Roster.Ids.Take(5).ToArray();
        var verdicts = ids.Select((id, i) => AgentVerdict.Answered(id, S(i - 2))).ToList();

        var map = TensionMath.Compute(verdicts);

        Assert.All(map.Coalitions, coalition => Assert.True(coalition.Count <= 2));
        foreach (var coalition in map.Coalitions)
        {
            var members = coalition.Select(id => Array.IndexOf(ids, id)).ToArray();
            Assert.All(members, a => Assert.All(members, b => Assert.True(map.Matrix[a][b] <= TensionMath.CoalitionThreshold)));
        }
    }

    [Fact]
    public void Compute_FailedAndStancelessAgents_AreMissingAndExcluded()
    {
        var verdicts = new List<AgentVerdict>
        {
            AgentVerdict.Answered("vasquez", S(1)),
            AgentVerdict.Failed("webb"),
            AgentVerdict.Answered("chen", null),
            AgentVerdict.Answered("okafor", S(-1)),
        };

        var map = TensionMath.Compute(verdicts);

        Assert.Equal(["vasquez", "okafor"], map.Agents);
        Assert.Equal(["webb", "chen"], map.Missing);
        Assert.Equal(2, map.Matrix.Count);
        Assert.Equal(["vasquez", "okafor"], map.Positions.Keys);
        Assert.Equal(-1, map.Positions["okafor"].Position);
    }

    [Fact]
    public void Compute_FewerThanTwoStances_ConsensusOneAndNothingToCluster()
    {
        var map = TensionMath.Compute([AgentVerdict.Answered("vasquez", S(1)), AgentVerdict.Failed("webb")]);

        Assert.Equal(1, map.Consensus);
        Assert.Empty(map.Coalitions);
        Assert.Empty(map.Outliers);
        Assert.Equal([[0.0]], map.Matrix);
    }

    [Fact]
    public void TensionMap_Serialized_HasTheContractShape()
    {
        var map = TensionMath.Compute([AgentVerdict.Answered("vasquez", S(1, 0.5)), AgentVerdict.Answered("webb", S(-1, 0.5)), AgentVerdict.Failed("chen")])
            with { Axes = [new TensionAxis("cost", ["vasquez"], ["webb"], "Who pays.")], Synthesis = "Split." };

        using var json = System.Text.Json.JsonDocument.Parse(System.Text.Json.JsonSerializer.Serialize(map, Consilium.Streaming.StreamEvents.Json));
        var root = json.RootElement;

        Assert.Equal(["agents", "positions", "matrix", "consensus", "coalitions", "outliers", "missing", "axes", "synthesis"],
            root.EnumerateObject().Select(p => p.Name));
        Assert.Equal(["vasquez", "webb"], root.GetProperty("positions").EnumerateObject().Select(p => p.Name));
        Assert.Equal(0.5, root.GetProperty("positions").GetProperty("webb").GetProperty("confidence").GetDouble());
        Assert.Equal(["topic", "for", "against", "crux"], root.GetProperty("axes")[0].EnumerateObject().Select(p => p.Name));
        Assert.Equal("chen", root.GetProperty("missing")[0].GetString());
    }
}
