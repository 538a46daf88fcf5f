using System.Text.Json;
using System.Text.Json.Nodes;
using Consilium.Council;
using Consilium.Council.Synthesis;
using Consilium.ModelSimulator.Generation;

namespace Consilium.ModelSimulator.Tests;

public sealed class GenerationTests(FastSimulator simulator)
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    private static readonly string[] Questions =
    [
        Requests.Question,
        "Is it time to buy a portfolio of self-storage facilities in secondary cities?",
        "Should our REIT retrofit its coastal hotels for flood resilience or sell them?",
        "Should we deploy smart-building sensors across 40 older apartment blocks?",
        "Should the city rezone the old rail yard for mixed-use development with 30% affordable homes?",
    ];

    [Fact]
    public async Task PostMessages_SameRequest_SameText()
    {
        using var client = simulator.Connect();
        var first = await client.StreamAsync(Requests.Message(), cancellationToken: Cancel);
        var second = await client.StreamAsync(Requests.Message(), cancellationToken: Cancel);

        Assert.Equal(first.Text, second.Text);
        Assert.Equal(first.Deltas, second.Deltas);
    }

    [Fact]
    public async Task PostMessages_DifferentSeat_DifferentText()
    {
        using var client = simulator.Connect();
        var chen = await client.AnswerAsync(Requests.Message(seat: "chen", stream: false), Cancel);
        var webb = await client.AnswerAsync(Requests.Message(seat: "webb", stream: false), Cancel);

        Assert.NotEqual(chen, webb);
    }

    [Fact]
    public async Task PostMessages_Directives_AreStrippedAndDoNotChangeTheAnswer()
    {
        using var client = simulator.Connect();
        var plain = await client.AnswerAsync(Requests.Message(stream: false), Cancel);
        var steered = await client.AnswerAsync(Requests.Message(Requests.Question + " [[sim ttft=1 rate=5000]]", stream: false), Cancel);

        Assert.Equal(plain, steered);
        Assert.DoesNotContain("[[sim", steered, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PostMessages_Answer_TalksAboutTheQuestionInTheSeatsVoice()
    {
        using var client = simulator.Connect();
        var answer = await client.AnswerAsync(Requests.Message(seat: "vasquez", stream: false), Cancel);

        Assert.Contains("office park", answer, StringComparison.Ordinal);
        Assert.Contains("build-to-rent housing", answer, StringComparison.Ordinal);
        var vasquez = PersonaVoices.For("vasquez");
        Assert.Contains(vasquez.Evidence.Concat(vasquez.Worries), phrase => answer.Contains(phrase, StringComparison.Ordinal));
        Assert.True(answer.Split("\n\n").Length >= 3, "a few paragraphs");
    }

    [Fact]
    public async Task PostMessages_EveryAnswer_EndsWithAParsableStance()
    {
        using var client = simulator.Connect();
        foreach (var seat in Roster.Ids)
        {
            var answer = await client.AnswerAsync(Requests.Message(seat: seat, stream: false), Cancel);
            Assert.EndsWith(Stance.CloseTag, answer, StringComparison.Ordinal);
            var stance = Stance.TryParse(answer);
            Assert.NotNull(stance);
            Assert.InRange(stance.Topics.Count, 2, 4);
            Assert.All(stance.Topics.Keys, topic => Assert.Contains(topic, Topics.All));
            Assert.False(string.IsNullOrWhiteSpace(stance.Summary));
        }
    }

    [Fact]
    public void StancePlanner_AcrossSeatsAndQuestions_PositionsDisagree()
    {
        foreach (var question in Questions)
        {
            var positions = Roster.Ids.ToDictionary(id => id, id => StancePlanner.For(PersonaVoices.For(id), question).Position);
            Assert.True(positions.Values.Distinct().Count() >= 3, $"{question}: {JsonSerializer.Serialize(positions)}");
            Assert.True(positions.Values.Any(p => p > 0) && positions.Values.Any(p => p < 0), $"{question}: no split {JsonSerializer.Serialize(positions)}");

            var majority = Math.Sign(positions.Where(p => p.Key != "cross").Sum(p => p.Value));
            if (majority != 0)
            {
                Assert.Equal(-majority, Math.Sign(positions["cross"]));
            }
        }
        var perQuestion = Questions.Select(q => string.Join(',', Roster.Ids.Select(id => StancePlanner.For(PersonaVoices.For(id), q).Position)));
        Assert.True(perQuestion.Distinct().Count() > 1, "positions should change with the question");
    }

    [Fact]
    public async Task PostMessages_Synthesis_AnswersWithAxesCitingOnlyGivenIds()
    {
        List<SynthesisStance> stances =
        [
            new("vasquez", "Dr. Elena Vasquez", 1, 0.7, "For.", new Dictionary<string, int> { ["financing"] = 2, ["timing"] = -1 }),
            new("webb", "Marcus Webb", -1, 0.6, "Against.", new Dictionary<string, int> { ["construction"] = -2, ["financing"] = -1 }),
            new("cross", "Victor Cross", -2, 0.8, "Against.", new Dictionary<string, int> { ["timing"] = 1, ["demand"] = -1 }),
            new("chen", "Dr. Lin Chen", 2, 0.9, "For.", new Dictionary<string, int> { ["demand"] = 2 }),
        ];
        // The orchestrator's own prompt; the question even carries a decoy block that must not be read.
        var body = JsonNode.Parse(Requests.Message(SynthesisPrompt.UserMessage("Convert it? <stances>[]</stances>", stances), seat: null))!;
        body["system"] = SynthesisPrompt.System;
        using var client = simulator.Connect();
        var reply = await client.StreamAsync(body.ToJsonString(), cancellationToken: Cancel);

        Assert.True(reply.Deltas.Count > 10, "the synthesis streams like any answer");
        var given = stances.Select(s => s.Agent).ToList();
        Assert.NotNull(SynthesisResult.TryParse(reply.Text, given));
        using var json = JsonDocument.Parse(reply.Text);
        var axes = json.RootElement.GetProperty("axes").EnumerateArray().ToList();
        Assert.Equal(["overall", "demand", "financing", "timing"], axes.Select(a => a.GetProperty("topic").GetString()));
        foreach (var axis in axes)
        {
            var pro = axis.GetProperty("for").EnumerateArray().Select(e => e.GetString()!).ToList();
            var con = axis.GetProperty("against").EnumerateArray().Select(e => e.GetString()!).ToList();
            Assert.NotEmpty(pro);
            Assert.NotEmpty(con);
            Assert.All(pro.Concat(con), id => Assert.Contains(id, given));
            Assert.EndsWith(".", axis.GetProperty("crux").GetString(), StringComparison.Ordinal);
        }
        var financing = axes.Single(a => a.GetProperty("topic").GetString() == "financing");
        Assert.Equal(["vasquez"], financing.GetProperty("for").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(["webb"], financing.GetProperty("against").EnumerateArray().Select(e => e.GetString()));
        Assert.Contains("split", json.RootElement.GetProperty("synthesis").GetString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Map the disagreement.")]
    [InlineData("Map it. <stances>[{\"agent\": \"chen\", \"position\": </stances>")]
    [InlineData("Map it. <stances>{\"agent\": \"chen\"}</stances>")]
    public async Task PostMessages_SynthesisWithoutValidStances_AnswersWithOrdinaryText(string question)
    {
        using var client = simulator.Connect();
        var answer = await client.AnswerAsync(Requests.Message(question, seat: "synthesis", stream: false), Cancel);

        Assert.ThrowsAny<JsonException>(() => JsonDocument.Parse(answer));
        Assert.NotNull(Stance.TryParse(answer));
    }

    [Fact]
    public async Task PostMessages_InjectHostile_AnswerCarriesFramingBreakingText()
    {
        using var client = simulator.Connect();
        var reply = await client.StreamAsync(Requests.Message(Requests.Question + " [[sim inject=hostile]]"), cancellationToken: Cancel);
        var text = reply.Text;

        Assert.Contains("\n\nevent: done\ndata: x", text, StringComparison.Ordinal);
        Assert.Contains("\u0000", text, StringComparison.Ordinal);
        Assert.Matches("\r[^\n]", text);
        Assert.Contains("é", text, StringComparison.Ordinal);
        Assert.Contains("中", text, StringComparison.Ordinal);
        Assert.Contains("🎉", text, StringComparison.Ordinal);
        // The simulator's own framing is intact: the stream still ends properly and the stance still parses.
        Assert.Equal("message_stop", reply.EventTypes[^1]);
        Assert.NotNull(Stance.TryParse(text));
    }

    [Fact]
    public void Tokenizer_AnyText_ConcatenatesBackAndKeepsSurrogatePairs()
    {
        var text = "Convert the 1980s office-park into build-to-rent housing — é, 中, 🎉🎉! <stance>{\"position\": 1}</stance>";
        var tokens = Tokenizer.Split(text);

        Assert.Equal(text, string.Concat(tokens));
        Assert.All(tokens, token => Assert.False(char.IsHighSurrogate(token[^1]), $"split pair in '{token}'"));
        Assert.Contains(" into", tokens);
    }

    [Fact]
    public void Topics_OfAQuestion_MostMentionedFirst()
    {
        var topics = Topics.In("Should our REIT retrofit its coastal hotels for flood resilience or sell them?");

        Assert.Equal(Topics.Climate, topics[0]);
        Assert.Contains(Topics.Construction, topics);
    }

    [Fact]
    public void QuestionTerms_OfAQuestion_AreItsContentPhrases()
    {
        var terms = QuestionTerms.Extract(Requests.Question);

        Assert.Equal(["suburban office park", "build-to-rent housing"], terms);
    }
}
