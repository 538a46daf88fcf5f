using Consilium.Council.Conversations;
using Consilium.Orchestrator.Conversations;
using Consilium.Streaming;

namespace Consilium.Council.Tests.Conversations;

public class RoundPlanTests
{
    private static readonly DateTimeOffset Now = DateTimeOffset.Parse("2026-12-01T12:00:00Z", System.Globalization.CultureInfo.InvariantCulture);

    private static RoundAnswer Answer(string agent, string prompt, string text, int position) =>
        new(agent, prompt, text, new Stance(position, 0.7, $"{agent} at {position}.", new Dictionary<string, int>()), "claude-x", Usage.Zero, true, 0, 0);

    private static ConversationRound Round(int number, string question, params RoundAnswer[] answers) =>
        new(number, $"s{number}", ConversationModes.Ask, question, [.. answers.Select(a => a.Agent)], Now, Now, "done", answers, null, null, Usage.Zero, 0, 0);

    private static Conversation TwoRounds() => new("c", Now, Now, ["vasquez", "webb", "chen"],
    [
        Round(1, "Q1", Answer("vasquez", "Q1", "V1", 1), Answer("webb", "Q1", "W1", -1), Answer("chen", "Q1", "C1", 2)),
        Round(2, "Q2", Answer("vasquez", "Q2", "V2", 0)),
    ]);

    [Fact]
    public void Next_FollowUp_GivesEachAgentItsOwnThreadOnly()
    {
        var seats = Roster.All.Where(a => a.Id is "vasquez" or "webb").ToList();

        var plan = RoundPlan.Next(TwoRounds(), "claim", ConversationModes.Ask, "Q3", seats, 10_000);

        Assert.Equal(3, plan.Round);
        Assert.Equal(["Q1", "V1", "Q2", "V2"], plan.Briefs["vasquez"].History.Select(t => t.Content));
        Assert.Equal(["Q1", "W1"], plan.Briefs["webb"].History.Select(t => t.Content));
        Assert.Equal("Q3", plan.Briefs["webb"].Prompt);
        Assert.Null(ThreadRules.Validate(plan.Briefs["vasquez"].History));
    }

    [Fact]
    public void Next_Rebuttal_BriefsEachAgentWithTheOthersLatestPositions()
    {
        var seats = Roster.All.Where(a => a.Id == "webb").ToList();

        var plan = RoundPlan.Next(TwoRounds(), "claim", ConversationModes.Rebuttal, null, seats, 10_000);

        Assert.Equal("Q1", plan.CouncilQuestion);
        Assert.True(RebuttalBrief.TryRead(plan.Briefs["webb"].Prompt, out var brief));
        Assert.Equal(-1, brief.PreviousPosition);
        Assert.Equal(new Dictionary<string, int> { ["chen"] = 2, ["vasquez"] = 0 }, brief.Others);
    }

    [Fact]
    public void Next_ThreadOverTheLimit_IsTrimmedAndSaysSo()
    {
        var long1 = new string('x', 4000);
        var conversation = new Conversation("c", Now, Now, ["vasquez"],
        [
            Round(1, "Q1", Answer("vasquez", "Q1", long1, 1)),
            Round(2, "Q2", Answer("vasquez", "Q2", long1, 1)),
            Round(3, "Q3", Answer("vasquez", "Q3", long1, 1)),
        ]);

        var plan = RoundPlan.Next(conversation, "claim", ConversationModes.Ask, "Q4", [.. Roster.All.Where(a => a.Id == "vasquez")], 2_500);

        Assert.Equal(1, plan.Briefs["vasquez"].DroppedExchanges);
        Assert.Equal(["Q1", "Q3"], plan.Briefs["vasquez"].History.Where(t => t.Role == ThreadTurn.User).Select(t => t.Content));
    }
}
