using System.Net.Http.Json;
using System.Text.Json;
using Consilium.Council;
using Consilium.Testing;
using Microsoft.Playwright;

namespace Consilium.EndToEnd.Tests.Browser;

/// <summary>
/// A conversation on the page, through the gateway to the real orchestrator and agents: the follow-up box, rounds as
/// tabs, the crux buttons, who moved and held after a rebuttal, the export, coming back after a reload, and the roster
/// taken from <c>GET /api/agents</c>.
/// </summary>
[Collection(SystemCollection.Name)]
public sealed class ConversationPageTests(SystemFixture system, ChromiumFixture chromium) : IClassFixture<ChromiumFixture>
{
    private const string Fast = "[[sim ttft=5 rate=1500 tokens=80]] [[sim agent=synthesis rate=2000]]";

    private const string Question = "Should a mid-size city turn a vacant downtown mall into a mixed-income housing block?";

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private readonly ProcessTopology _topology = system.Topology;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task FollowUp_ToChosenExperts_RoundTwoAsksOnlyThemAndEachTabKeepsItsRound()
    {
        await using var page = await CouncilPage.OpenAsync(chromium.Browser, _topology.GatewayUrl);
        var p = page.Page;
        var posts = RecordCouncilPosts(p);
        await AskFirstRoundAsync(page);
        var round1 = await page.AnswersAsync();
        Assert.Equal(Roster.Ids, round1.Keys);
        // The box offers the coalitions of the map it is under.
        var coalitions = (await TranscriptAsync(await ConversationIdAsync(p))).GetProperty("rounds")[0].GetProperty("tensionMap").GetProperty("coalitions")
            .EnumerateArray().Select(group => string.Join(", ", group.EnumerateArray().Select(id => Name(id.GetString()!)))).ToArray();
        var offered = await p.Locator("#follow-up-coalition option").AllInnerTextsAsync();
        Assert.Equal(coalitions.Length == 0 ? 1 : coalitions.Length, offered.Count);
        if (coalitions.Length > 0)
        {
            Assert.Equal(coalitions, offered);
        }

        string[] chosen = ["vasquez", "diallo", "cross"];
        await p.GetByLabel("Your follow-up").FillAsync($"Who pays if it fails? {Fast}");
        await p.GetByLabel("Chosen experts").CheckAsync();
        foreach (var id in chosen)
        {
            await p.Locator("#follow-up-experts").GetByLabel(Name(id)).CheckAsync();
        }
        await p.GetByRole(AriaRole.Button, new() { Name = "Ask the follow-up" }).ClickAsync();
        await WaitForRoundAsync(page, 2);

        var body = posts[1];
        Assert.Equal(await ConversationIdAsync(p), body.GetProperty("conversationId").GetString());
        Assert.Equal(chosen, body.GetProperty("agents").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal("ask", body.GetProperty("mode").GetString());
        var round2 = await page.AnswersAsync();
        Assert.Equal(chosen, round2.Keys);
        Assert.Equal("true", await p.GetAttributeAsync("#round-tab-2", "aria-selected"));
        Assert.Equal(7, await p.Locator("#not-asked .chip").CountAsync()); // the others keep their stance, marked so
        Assert.Contains("Who pays if it fails?", await p.InnerTextAsync("#round-question"), StringComparison.Ordinal);

        // Tabs: each round keeps its own panels, map and totals.
        await p.GetByRole(AriaRole.Tab, new() { Name = "Round 1" }).ClickAsync();
        Assert.Equal(round1, await page.AnswersAsync());
        Assert.Equal(10, await p.Locator("#heatmap tbody tr").CountAsync());
        Assert.Equal(0, await p.Locator("#not-asked .chip").CountAsync());
        Assert.Contains("10 of 10", await p.InnerTextAsync("#totals"), StringComparison.Ordinal);
        await p.Keyboard.PressAsync("ArrowRight"); // the tab list is keyboard-usable
        Assert.Equal("true", await p.GetAttributeAsync("#round-tab-2", "aria-selected"));
        Assert.Equal(round2, await page.AnswersAsync());
        Assert.Contains("3 of 3", await p.InnerTextAsync("#totals"), StringComparison.Ordinal);

        var transcript = await TranscriptAsync(await ConversationIdAsync(p));
        Assert.Equal(chosen, transcript.GetProperty("rounds")[1].GetProperty("agents").EnumerateArray().Select(e => e.GetString()));
        Assert.Empty(page.Errors);
    }

    [Fact]
    public async Task FollowUp_ToOneCoalition_AsksExactlyThatCoalitionOfTheShownMap()
    {
        await using var page = await CouncilPage.OpenAsync(chromium.Browser, _topology.GatewayUrl);
        var p = page.Page;
        var posts = RecordCouncilPosts(p);
        await AskFirstRoundAsync(page);
        var coalitions = (await TranscriptAsync(await ConversationIdAsync(p))).GetProperty("rounds")[0].GetProperty("tensionMap").GetProperty("coalitions");
        Assert.True(coalitions.GetArrayLength() > 0, "Round 1's map should have a coalition for this question.");
        var last = coalitions.GetArrayLength() - 1;
        var coalition = coalitions[last].EnumerateArray().Select(e => e.GetString()!).ToArray();

        await p.GetByLabel("Your follow-up").FillAsync($"What would make you change sides? {Fast}");
        await p.GetByLabel("Coalition to ask").SelectOptionAsync(last.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Assert.True(await p.GetByLabel("One coalition").IsCheckedAsync(), "Choosing a coalition picks that option.");
        await p.GetByRole(AriaRole.Button, new() { Name = "Ask the follow-up" }).ClickAsync();
        await WaitForRoundAsync(page, 2);

        Assert.Equal(coalition, posts[1].GetProperty("agents").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(coalition, (await page.AnswersAsync()).Keys);
        Assert.Empty(page.Errors);
    }

    [Fact]
    public async Task CruxButton_OnAnAxis_AsksTheCruxOfTheAgentsOnBothSides()
    {
        await using var page = await CouncilPage.OpenAsync(chromium.Browser, _topology.GatewayUrl);
        var p = page.Page;
        var posts = RecordCouncilPosts(p);
        await AskFirstRoundAsync(page);
        var axes = (await TranscriptAsync(await ConversationIdAsync(p))).GetProperty("rounds")[0].GetProperty("tensionMap").GetProperty("axes");
        Assert.True(axes.GetArrayLength() > 0, "The simulator's synthesis should name at least one axis.");
        var followUp = axes[0].GetProperty("followUp");
        var agents = followUp.GetProperty("agents").EnumerateArray().Select(e => e.GetString()!).ToArray();

        var button = p.Locator("#axes .axis").First.Locator(".crux-ask");
        Assert.Contains($"{agents.Length} expert", await button.InnerTextAsync(), StringComparison.Ordinal);
        await button.ClickAsync();
        await WaitForRoundAsync(page, 2);

        var body = posts[1];
        Assert.Equal(followUp.GetProperty("message").GetString(), body.GetProperty("message").GetString());
        Assert.Equal(agents, body.GetProperty("agents").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(Roster.Ids.Where(agents.Contains), (await page.AnswersAsync()).Keys);
        Assert.Equal(0, await p.Locator(".panel[data-status=failed]").CountAsync());
        Assert.Empty(page.Errors);
    }

    [Fact]
    public async Task Rebuttal_AfterTheFirstRound_MapShowsWhoMovedAndHeldAndTheExportHoldsEveryRound()
    {
        await using var page = await CouncilPage.OpenAsync(chromium.Browser, _topology.GatewayUrl);
        var p = page.Page;
        var posts = RecordCouncilPosts(p);
        await AskFirstRoundAsync(page);
        Assert.Equal(0, await p.Locator("#shifts .shift").CountAsync()); // round 1 has nobody to compare with

        await p.GetByLabel("A rebuttal round").CheckAsync();
        await Assertions.Expect(p.Locator("#follow-up-ask")).ToHaveTextAsync("Start the rebuttal round");
        await p.GetByLabel("Your follow-up").FillAsync(Fast); // the note is optional; this one only keeps the simulator quick
        await p.GetByRole(AriaRole.Button, new() { Name = "Start the rebuttal round" }).ClickAsync();
        await WaitForRoundAsync(page, 2);
        Assert.Equal("rebuttal", posts[1].GetProperty("mode").GetString());
        Assert.Contains("rebuttal", await p.InnerTextAsync("#round-tab-2"), StringComparison.Ordinal);

        var conversationId = await ConversationIdAsync(p);
        var map = (await TranscriptAsync(conversationId)).GetProperty("rounds")[1].GetProperty("tensionMap");
        var moved = map.GetProperty("moved").EnumerateArray().Select(e => e.GetString()!).ToArray();
        var held = map.GetProperty("held").EnumerateArray().Select(e => e.GetString()!).ToArray();
        Assert.True(moved.Length > 0 && held.Length > 0, $"The simulator's rebuttal should move some and hold others: moved {string.Join(",", moved)}, held {string.Join(",", held)}.");
        Assert.Equal(moved, await p.Locator("#shifts .shift[data-shift=moved]").EvaluateAllAsync<string[]>("rows => rows.map(row => row.dataset.agent)"));
        Assert.Equal(held, await p.Locator("#shifts .shift[data-shift=held]").EvaluateAllAsync<string[]>("rows => rows.map(row => row.dataset.agent)"));
        foreach (var id in moved)
        {
            var shift = map.GetProperty("shifts").GetProperty(id);
            var row = p.Locator($"#shifts .shift[data-agent={id}]");
            Assert.Equal(1, await row.Locator(".arrow").CountAsync());
            Assert.Contains($"moved {Signed(shift.GetProperty("from").GetInt32())} → {Signed(shift.GetProperty("to").GetInt32())}", await row.InnerTextAsync(), StringComparison.Ordinal);
        }
        foreach (var id in held)
        {
            var row = p.Locator($"#shifts .shift[data-agent={id}]");
            Assert.Equal(0, await row.Locator(".arrow").CountAsync());
            Assert.Contains($"held at {Signed(map.GetProperty("shifts").GetProperty(id).GetProperty("to").GetInt32())}", await row.InnerTextAsync(), StringComparison.Ordinal);
        }

        await p.ScreenshotAsync(new() { Path = "/tmp/consilium-web-conversation.png", FullPage = true });

        var markdown = await DownloadAsync(p, "Export the conversation as Markdown");
        Assert.Equal($"consilium-{conversationId}.md", markdown.Name);
        Assert.Contains("## Round 1", markdown.Text, StringComparison.Ordinal);
        Assert.Contains("## Round 2 (rebuttal)", markdown.Text, StringComparison.Ordinal);
        Assert.Contains(Question, markdown.Text, StringComparison.Ordinal);
        var json = await DownloadAsync(p, "Export the conversation as JSON");
        Assert.Equal($"consilium-{conversationId}.json", json.Name);
        var rounds = JsonDocument.Parse(json.Text).RootElement.GetProperty("rounds");
        Assert.Equal([1, 2], rounds.EnumerateArray().Select(round => round.GetProperty("round").GetInt32()));
        Assert.Empty(page.Errors);
    }

    [Fact]
    public async Task Reload_WhileRoundTwoRuns_ResumesItAndReloadsRoundOneFromTheTranscript()
    {
        await using var page = await CouncilPage.OpenAsync(chromium.Browser, _topology.GatewayUrl);
        var p = page.Page;
        var posts = RecordCouncilPosts(p);
        await AskFirstRoundAsync(page);

        await p.GetByLabel("Your follow-up").FillAsync("And if interest rates rise by two points? [[sim ttft=5 rate=50 tokens=400]]");
        await p.GetByLabel("Chosen experts").CheckAsync();
        await p.Locator("#follow-up-experts").GetByLabel(Name("chen")).CheckAsync();
        await p.Locator("#follow-up-experts").GetByLabel(Name("harlow")).CheckAsync();
        await p.GetByRole(AriaRole.Button, new() { Name = "Ask the follow-up" }).ClickAsync();
        await p.WaitForSelectorAsync(".panel[data-status=streaming]");
        var resumes = new List<string>();
        p.Request += (_, request) =>
        {
            if (request.Url.Contains("/api/consilium/sessions/", StringComparison.Ordinal))
            {
                lock (resumes)
                {
                    resumes.Add(request.Url);
                }
            }
        };

        await p.ReloadAsync();
        await WaitForRoundAsync(page, 2);

        var resume = Assert.Single(resumes);
        Assert.Contains("resume=", resume, StringComparison.Ordinal);
        Assert.Contains("lastEventId=0", resume, StringComparison.Ordinal);
        var transcript = await TranscriptAsync(await ConversationIdAsync(p));
        Assert.Equal(2, transcript.GetProperty("rounds").GetArrayLength());
        Assert.Equal(VisibleAnswers(transcript.GetProperty("rounds")[1]), await page.AnswersAsync());
        Assert.Equal(["chen", "harlow"], (await page.AnswersAsync()).Keys);
        await p.GetByRole(AriaRole.Tab, new() { Name = "Round 1" }).ClickAsync();
        Assert.Equal(VisibleAnswers(transcript.GetProperty("rounds")[0]), await page.AnswersAsync());
        Assert.Equal(10, await p.Locator(".panel .scale .step.active").CountAsync());
        Assert.Equal(10, await p.Locator("#heatmap tbody tr").CountAsync());
        Assert.Empty(page.Errors);
    }

    [Fact]
    public async Task FollowUp_WhileAnotherClientsRoundRuns_ShowsThe409AndLeavesNoEmptyTab()
    {
        await using var page = await CouncilPage.OpenAsync(chromium.Browser, _topology.GatewayUrl);
        var p = page.Page;
        await AskFirstRoundAsync(page);
        var conversationId = await ConversationIdAsync(p);
        using var client = _topology.CreateGatewayClient();
        // Another client (another tab, a script) runs round 2 of the same conversation, slowly.
        using var other = await SseClient.PostAsync(client, "/api/consilium",
            new { conversationId, message = "Slowly, please. [[sim ttft=5 rate=20 tokens=400]]", agents = new[] { "webb" }, synthesis = false }, Ct);
        Assert.Equal(System.Net.HttpStatusCode.OK, other.StatusCode);

        await p.GetByLabel("Your follow-up").FillAsync($"Who pays if it fails? {Fast}");
        await p.GetByRole(AriaRole.Button, new() { Name = "Ask the follow-up" }).ClickAsync();

        await Assertions.Expect(p.Locator("#problem")).ToContainTextAsync("(409)");
        Assert.Equal(1, await p.Locator("#round-tabs [role=tab]").CountAsync());
        Assert.Equal("true", await p.GetAttributeAsync("#round-tab-1", "aria-selected"));
        Assert.Equal(10, await p.Locator(".panel[data-status=done]").CountAsync());
        Assert.True(await p.IsEnabledAsync("#follow-up-ask"), "The box stays usable for when that round has finished.");
        // The browser itself logs the refused request; anything else would be the page's own error.
        Assert.All(page.Errors, error => Assert.Contains("status of 409", error, StringComparison.Ordinal));

        using var stopped = await client.DeleteAsync($"/api/consilium/sessions/{other.Headers.GetValues("Consilium-Session").Single()}", Ct);
        Assert.True(stopped.IsSuccessStatusCode, $"Stopping the other round answered {(int)stopped.StatusCode}.");
        Assert.Equal("error", (await SseClient.ReadToEndAsync(other, Ct)).Events[^1].EventType);
    }

    [Fact]
    public async Task Stop_WhileRoundTwoRunsAndRoundOneIsShown_StopsRoundTwo()
    {
        await using var page = await CouncilPage.OpenAsync(chromium.Browser, _topology.GatewayUrl);
        var p = page.Page;
        await AskFirstRoundAsync(page);
        await p.GetByLabel("Your follow-up").FillAsync("Take your time. [[sim ttft=5 rate=20 tokens=400]]");
        await p.GetByLabel("Chosen experts").CheckAsync();
        await p.Locator("#follow-up-experts").GetByLabel(Name("webb")).CheckAsync();
        await p.GetByRole(AriaRole.Button, new() { Name = "Ask the follow-up" }).ClickAsync();
        await p.WaitForSelectorAsync(".panel[data-status=streaming]");

        await p.GetByRole(AriaRole.Tab, new() { Name = "Round 1" }).ClickAsync();
        Assert.Equal(10, await p.Locator(".panel[data-status=done]").CountAsync());
        await p.ClickAsync("#stop");
        var end = await page.WaitForEndAsync();

        Assert.Equal("stopped", end);
        Assert.Contains("every call of the council was cancelled", await p.InnerTextAsync("#status"), StringComparison.Ordinal);
        Assert.Contains("stopped", await p.InnerTextAsync("#round-tab-2"), StringComparison.Ordinal);
        Assert.Equal(10, await p.Locator(".panel[data-status=done]").CountAsync()); // round 1 stays shown, untouched
        await p.GetByRole(AriaRole.Tab, new() { Name = "Round 2" }).ClickAsync();
        Assert.Contains("Cost", await p.InnerTextAsync("#totals"), StringComparison.Ordinal);
        var round2 = (await TranscriptAsync(await ConversationIdAsync(p))).GetProperty("rounds")[1];
        Assert.Equal("cancelled", round2.GetProperty("outcome").GetString());
        Assert.Empty(page.Errors);
    }

    [Fact]
    public async Task Roster_ComesFromApiAgents_PickerShowsWhatTheApiListed()
    {
        await using var page = await CouncilPage.OpenAsync(chromium.Browser, _topology.GatewayUrl);
        var p = page.Page;
        Assert.Equal(0, await p.Locator("#agent-list input").CountAsync()); // no list of its own before the key
        // The real list, minus its last agent and with another name for the first: the page shows exactly that.
        await p.RouteAsync("**/api/agents", async route =>
        {
            var real = await route.FetchAsync();
            var list = JsonSerializer.Deserialize<JsonElement>(await real.TextAsync()).GetProperty("agents").EnumerateArray()
                .Select(agent => JsonSerializer.Deserialize<Dictionary<string, JsonElement>>(agent.GetRawText())!).ToList();
            list.RemoveAt(list.Count - 1);
            list[0]["name"] = JsonSerializer.SerializeToElement("Dr. Renamed Expert");
            await route.FulfillAsync(new() { Response = real, Body = JsonSerializer.Serialize(new { agents = list }) });
        });

        await p.GetByLabel("Access key").FillAsync(_topology.Secret);
        await p.GetByLabel("Access key").PressAsync("Tab");
        await p.Locator("#agent-picker summary").ClickAsync();
        await Assertions.Expect(p.Locator("#agent-list .agent-name")).ToHaveCountAsync(9);

        Assert.Equal(["Dr. Renamed Expert", .. Roster.All.Skip(1).SkipLast(1).Select(agent => agent.Name)], await p.Locator("#agent-list .agent-name").AllInnerTextsAsync());
        Assert.Equal(Roster.All.Skip(1).SkipLast(1).Select(agent => agent.Domain), (await p.Locator("#agent-list .agent-domain").AllInnerTextsAsync()).Skip(1));
        Assert.Equal("all 9", await p.InnerTextAsync("#agent-count"));
        Assert.Empty(page.Errors);
    }

    private async Task AskFirstRoundAsync(CouncilPage page)
    {
        await page.AskAsync(_topology.Secret, $"{Question} {Fast}");
        var end = await page.WaitForEndAsync();
        Assert.True(end == "done", $"Round 1 ended in '{end}': {await page.Page.InnerTextAsync("#problem")}");
        await Assertions.Expect(page.Page.Locator("#follow-up")).ToBeVisibleAsync();
    }

    /// <summary>Waits until the page shows round <paramref name="round"/> and the running round has ended, which must be done.</summary>
    private static async Task WaitForRoundAsync(CouncilPage page, int round)
    {
        await page.Page.WaitForFunctionAsync(
            "n => document.querySelector(`#round-tab-${n}`) !== null && ['done', 'error', 'stopped'].includes(document.body.dataset.state)",
            round, new() { Timeout = 60_000 });
        var end = await page.Page.EvaluateAsync<string>("() => document.body.dataset.state");
        Assert.True(end == "done", $"Round {round} ended in '{end}': {await page.Page.InnerTextAsync("#problem")}");
    }

    /// <summary>The body of every POST /api/consilium the page sends, in order.</summary>
    private static List<JsonElement> RecordCouncilPosts(IPage page)
    {
        var posts = new List<JsonElement>();
        page.Request += (_, request) =>
        {
            if (request.Method == "POST" && new Uri(request.Url).AbsolutePath == "/api/consilium")
            {
                lock (posts)
                {
                    posts.Add(JsonSerializer.Deserialize<JsonElement>(request.PostData!));
                }
            }
        };
        return posts;
    }

    /// <summary>The conversation the page shows (from its round 1's <c>session</c> event).</summary>
    private static async Task<string> ConversationIdAsync(IPage page)
    {
        var id = await page.GetAttributeAsync("#rounds", "data-conversation");
        Assert.False(string.IsNullOrEmpty(id), "The page should show a conversation.");
        return id;
    }

    private static string Name(string id) => Roster.All.Single(agent => agent.Id == id).Name;

    private async Task<JsonElement> TranscriptAsync(string conversationId)
    {
        using var client = _topology.CreateGatewayClient();
        return await client.GetFromJsonAsync<JsonElement>($"/api/consilium/conversations/{conversationId}", Ct);
    }

    /// <summary>Each answer of a transcript round as its panel shows it: the text without its stance block.</summary>
    private static Dictionary<string, string> VisibleAnswers(JsonElement round) =>
        round.GetProperty("answers").EnumerateArray().ToDictionary(
            answer => answer.GetProperty("agent").GetString()!,
            answer =>
            {
                var text = answer.GetProperty("text").GetString()!;
                var stance = text.LastIndexOf("<stance>", StringComparison.Ordinal);
                return stance >= 0 && answer.GetProperty("stance").ValueKind != JsonValueKind.Null ? text[..stance].TrimEnd() : text;
            });

    private static async Task<(string Name, string Text)> DownloadAsync(IPage page, string button)
    {
        var download = await page.RunAndWaitForDownloadAsync(() => page.GetByRole(AriaRole.Button, new() { Name = button }).ClickAsync());
        var path = await download.PathAsync();
        return (download.SuggestedFilename, await File.ReadAllTextAsync(path, Ct));
    }

    private static string Signed(int n) => n > 0 ? $"+{n}" : n < 0 ? $"−{-n}" : "0";
}
