using Consilium.Council.Conversations;
using Consilium.Council.Tension;

namespace Consilium.Council.Tests.Conversations;

public class ConversationLogicTests
{
    private static StancePosition P(int position, double confidence = 0.7) => new(position, confidence, $"At {position}.");

    [Fact]
    public void Shifts_PositionChanged_IsMovedWithFromAndTo()
    {
        var result = StanceShifts.Compute(
            ["vasquez", "webb"],
            new Dictionary<string, StancePosition> { ["vasquez"] = P(1, 0.8), ["webb"] = P(-1, 0.6) },
            new Dictionary<string, StancePosition> { ["vasquez"] = P(0, 0.7), ["webb"] = P(-1, 0.65) });

        Assert.Equal(["vasquez"], result.Moved);
        Assert.Equal(["webb"], result.Held);
        Assert.Equal(new StanceShift(1, 0, 0.8, 0.7), result.Shifts["vasquez"]);
        Assert.Equal(new StanceShift(-1, -1, 0.6, 0.65), result.Shifts["webb"]);
    }

    [Fact]
    public void Shifts_AgentWithoutEarlierOrCurrentStance_IsNeitherMovedNorHeld()
    {
        var result = StanceShifts.Compute(
            ["vasquez", "webb", "chen"],
            new Dictionary<string, StancePosition> { ["vasquez"] = P(1), ["chen"] = P(2) },
            new Dictionary<string, StancePosition> { ["vasquez"] = P(1), ["webb"] = P(0) });

        Assert.Equal(["vasquez"], result.Held);
        Assert.Empty(result.Moved);
        Assert.Equal(["vasquez"], result.Shifts.Keys);
    }

    [Fact]
    public void Shifts_AgentNotAsked_IsLeftOut()
    {
        var result = StanceShifts.Compute(
            ["webb"],
            new Dictionary<string, StancePosition> { ["vasquez"] = P(1), ["webb"] = P(1) },
            new Dictionary<string, StancePosition> { ["vasquez"] = P(-2), ["webb"] = P(2) });

        Assert.Equal(["webb"], result.Moved);
        Assert.DoesNotContain("vasquez", result.Shifts.Keys);
    }

    [Fact]
    public void FollowUp_AsksBothSidesOfTheCrux()
    {
        var axis = new TensionAxis("financing", ["vasquez", "chen"], ["webb", "vasquez"], "Whether debt at 7% still pencils.");

        var followUp = CruxFollowUp.For(axis);

        Assert.Equal(["vasquez", "chen", "webb"], followUp.Agents);
        Assert.Contains("financing", followUp.Message, StringComparison.Ordinal);
        Assert.Contains("Whether debt at 7% still pencils", followUp.Message, StringComparison.Ordinal);
        Assert.EndsWith("?", followUp.Message, StringComparison.Ordinal);
    }

    private static List<ThreadTurn> Exchanges(int count, int answerLength) =>
        [.. Enumerable.Range(1, count).SelectMany(i => new[]
        {
            new ThreadTurn(ThreadTurn.User, $"Question {i}"),
            new ThreadTurn(ThreadTurn.Assistant, new string('a', answerLength)),
        })];

    [Fact]
    public void Trim_UnderTheLimit_KeepsEverything()
    {
        var turns = Exchanges(3, 40);

        var trimmed = AgentThread.Trim(turns, "Next?", 10_000);

        Assert.Equal(turns, trimmed.Turns);
        Assert.Equal(0, trimmed.DroppedExchanges);
    }

    [Fact]
    public void Trim_OverTheLimit_DropsOldestMiddleExchangesKeepingFirstQuestionAndLatest()
    {
        // Each exchange is 3 + 100 tokens; five exchanges are 515 with the question; 300 leaves room for two.
        var turns = Exchanges(5, 400);

        var trimmed = AgentThread.Trim(turns, "Next?", 300);

        Assert.Equal(3, trimmed.DroppedExchanges);
        Assert.Equal(["Question 1", "Question 5"], trimmed.Turns.Where(t => t.Role == ThreadTurn.User).Select(t => t.Content));
        Assert.Null(ThreadRules.Validate(trimmed.Turns));
    }

    [Fact]
    public void Trim_NeverDropsTheFirstOrLatestExchange()
    {
        var trimmed = AgentThread.Trim(Exchanges(2, 4000), "Next?", 10);

        Assert.Equal(4, trimmed.Turns.Count);
        Assert.Equal(0, trimmed.DroppedExchanges);
    }

    [Fact]
    public void ThreadRules_AcceptsAlternatingPairsAndRejectsTheRest()
    {
        Assert.Null(ThreadRules.Validate(null));
        Assert.Null(ThreadRules.Validate(Exchanges(2, 10)));
        Assert.Contains("end with an \"assistant\"", ThreadRules.Validate([new ThreadTurn("user", "q")]), StringComparison.Ordinal);
        Assert.Contains("must be 'user'", ThreadRules.Validate([new ThreadTurn("assistant", "a"), new ThreadTurn("user", "q")]), StringComparison.Ordinal);
        Assert.Contains("1 to", ThreadRules.Validate([new ThreadTurn("user", ""), new ThreadTurn("assistant", "a")]), StringComparison.Ordinal);
        Assert.Contains("limit is", ThreadRules.Validate(Exchanges(ThreadRules.MaxTurns / 2 + 1, 1)), StringComparison.Ordinal);
    }

    [Fact]
    public void RebuttalBrief_ReadsBackWhatItWrites()
    {
        var text = RebuttalBrief.Build(
            "Should we convert the office park?\nIt is 1980s stock.",
            P(1, 0.72),
            [new RebuttalBrief.Other("webb", "Marcus Webb", P(-2, 0.9)), new RebuttalBrief.Other("cross", "Victor Cross", P(2, 0.6))],
            [new TensionAxis("financing", ["cross"], ["webb"], "Debt costs.")],
            "Consider the rate outlook.");

        Assert.True(RebuttalBrief.TryRead(text, out var read));
        Assert.Equal("Should we convert the office park? It is 1980s stock.", read.OriginalQuestion);
        Assert.Equal(1, read.PreviousPosition);
        Assert.Equal(0.72, read.PreviousConfidence);
        Assert.Equal(new Dictionary<string, int> { ["cross"] = 2, ["webb"] = -2 }, read.Others);
        Assert.Contains("Crux: Debt costs.", text, StringComparison.Ordinal);
        Assert.Contains("Consider the rate outlook.", text, StringComparison.Ordinal);
        Assert.False(RebuttalBrief.TryRead("Should we convert?", out _));
    }
}
