using System.Text.Json.Nodes;
using Consilium.Council;
using Consilium.Council.Conversations;
using Consilium.Council.Tension;
using Consilium.ModelSimulator.Generation;

namespace Consilium.ModelSimulator.Tests;

/// <summary>Follow-ups refer to the thread; a rebuttal holds or moves deterministically; the cache reads a thread's prefix.</summary>
public sealed class ConversationAnswerTests(FakeClockSimulator simulator) : IClassFixture<FakeClockSimulator>
{
    private const string Question = "Should we convert a 1980s suburban office park into build-to-rent housing?";

    private static string Brief(string seat, int previous) => RebuttalBrief.Build(
        Question,
        new StancePosition(previous, 0.7, "Where I stood."),
        [.. Roster.All.Where(a => a.Id != seat).Select(a => new RebuttalBrief.Other(a.Id, a.Name, new StancePosition(2, 0.8, "For it.")))],
        [new TensionAxis("financing", ["webb"], [seat], "Debt costs.")],
        null);

    [Fact]
    public void Rebuttal_MovesOrHoldsDeterministically_SayingSoAndChangingTheStance()
    {
        var moved = new List<string>();
        foreach (var seat in Roster.Ids)
        {
            var text = string.Concat(AnswerWriter.Write(seat, Brief(seat, -1), "hash", 200, false));
            Assert.Equal(text, string.Concat(AnswerWriter.Write(seat, Brief(seat, -1), "hash", 200, false)));
            var stance = Stance.TryParse(text);
            Assert.NotNull(stance);
            if (text.Contains("I move from -1 to 0", StringComparison.Ordinal))
            {
                Assert.Equal(0, stance.Position);
                Assert.Equal(0.6, stance.Confidence);
                moved.Add(seat);
            }
            else
            {
                Assert.Contains("I hold at -1", text, StringComparison.Ordinal);
                Assert.Equal(-1, stance.Position);
                Assert.Equal(0.75, stance.Confidence);
            }
        }
        Assert.DoesNotContain("cross", moved);
        Assert.NotEmpty(moved);
    }

    [Fact]
    public void Rebuttal_CloseToTheOthers_Holds()
    {
        var text = string.Concat(AnswerWriter.Write("vasquez", Brief("vasquez", 2), "hash", 200, false));

        Assert.Contains("I hold at 2", text, StringComparison.Ordinal);
        Assert.Equal(2, Stance.TryParse(text)!.Position);
    }

    [Fact]
    public void FollowUp_RefersToTheThread()
    {
        var text = string.Concat(AnswerWriter.Write("webb", "And what does it cost?", "hash", 200, false, [Question]));

        Assert.StartsWith("Picking up our thread: you first asked me about", text, StringComparison.Ordinal);
        Assert.Contains("follow-up 1", text, StringComparison.Ordinal);
        Assert.DoesNotContain("Picking up", string.Concat(AnswerWriter.Write("webb", "And what does it cost?", "hash", 200, false)), StringComparison.Ordinal);
    }

    [Fact]
    public async Task PromptCache_ThreadRounds_ReadTheEarlierRoundsPrefix()
    {
        var system = Requests.System("chen", 4800);
        static JsonObject Text(string text, bool cached) => cached
            ? new JsonObject { ["type"] = "text", ["text"] = text, ["cache_control"] = new JsonObject { ["type"] = "ephemeral" } }
            : new JsonObject { ["type"] = "text", ["text"] = text };
        string Body(params (string Role, string Text, bool Cached)[] turns) => new JsonObject
        {
            ["model"] = Requests.Model,
            ["max_tokens"] = 64,
            ["system"] = new JsonArray(Text(system, true)),
            ["messages"] = new JsonArray([.. turns.Select(t => (JsonNode)new JsonObject { ["role"] = t.Role, ["content"] = new JsonArray(Text(t.Text, t.Cached)) })]),
        }.ToJsonString();
        var q1 = "First question " + new string('q', 400);
        var a1 = "First answer " + new string('a', 2000);
        var q2 = "Second question " + new string('r', 400);
        var a2 = "Second answer " + new string('b', 2000);

        using var client = simulator.Connect();
        using var round2 = await client.PostJsonAsync(Body(("user", q1, false), ("assistant", a1, true), ("user", q2, false)), cancellationToken: TestContext.Current.CancellationToken);
        using var round3 = await client.PostJsonAsync(Body(("user", q1, false), ("assistant", a1, true), ("user", q2, false), ("assistant", a2, true), ("user", "Third?", false)), cancellationToken: TestContext.Current.CancellationToken);

        var usage2 = round2.RootElement.GetProperty("usage");
        var usage3 = round3.RootElement.GetProperty("usage");
        Assert.Equal((system.Length + q1.Length + a1.Length + 3) / 4, usage3.GetProperty("cache_read_input_tokens").GetInt64());
        Assert.True(usage3.GetProperty("cache_read_input_tokens").GetInt64() > usage2.GetProperty("cache_read_input_tokens").GetInt64());
        Assert.Equal(
            (system.Length + q1.Length + a1.Length + q2.Length + a2.Length + 3) / 4 - (system.Length + q1.Length + a1.Length + 3) / 4,
            usage3.GetProperty("cache_creation_input_tokens").GetInt64());
    }
}
