using System.Net;
using System.Net.Http.Json;
using System.Net.ServerSentEvents;
using System.Text;
using System.Text.Json;
using Consilium.Council;
using Consilium.Testing;
using Microsoft.Playwright;

namespace Consilium.EndToEnd.Tests.Browser;

/// <summary>
/// The gateway's web page in a real browser (Debian's Chromium, headless) against the running system: ten panels that
/// fill as the answers stream, the tension map, totals, API problems, untrusted text, and resuming a broken stream.
/// </summary>
[Collection(SystemCollection.Name)]
public sealed class WebPageTests(SystemFixture system, ChromiumFixture chromium) : IClassFixture<ChromiumFixture>
{
    /// <summary>Small answers that still take a few hundred milliseconds each to write, and a quick synthesis.</summary>
    private const string Fast = "[[sim ttft=5 rate=150 tokens=120]] [[sim agent=synthesis rate=800]]";

    /// <summary>
    /// Answers paced at six tokens a second (about 4 s each). A fast model's ten streams make a page on a loaded machine
    /// take in seconds of text in one read (CI saw 2 steps per panel over 2.8 s at 150 tokens a second); at this pace
    /// every token arrives on its own, so each panel shows growing text however busy the machine.
    /// </summary>
    private const string Streamed = "[[sim ttft=5 rate=6 tokens=24]] [[sim agent=synthesis rate=800]]";

    private const string Question = "Should we convert a 1980s suburban office park into build-to-rent housing?";

    private readonly ProcessTopology _topology = system.Topology;

    [Fact]
    public async Task AskCouncil_PacedModel_PanelsFillIncrementallyThenMapAndTotals()
    {
        // The simulator keeps its rate from each request's start, so a cold path (JIT) would arrive in one burst: warm it.
        await WarmUpAsync();
        await using var page = await CouncilPage.OpenAsync(chromium.Browser, _topology.GatewayUrl);
        await page.RecordTextGrowthAsync();

        await page.AskAsync(_topology.Secret, $"{Question} {Streamed}");
        var end = await page.WaitForEndAsync();

        Assert.True(end == "done", $"The page ended in '{end}': {await page.Page.InnerTextAsync("#problem")}");
        var samples = await page.TextSamplesAsync();
        foreach (var id in Roster.Ids)
        {
            // Text was on the panel while that agent was still answering, i.e. before its agent_done.
            Assert.Contains(samples, sample => sample.Agent == id && sample.Status == "streaming" && sample.Length > 0);
        }
        var growth = samples.Where(sample => sample.State == "streaming" && sample.Length > 0).GroupBy(sample => sample.Agent)
            .Select(steps => (Agent: steps.Key, Steps: steps.Count(), Span: steps.Max(s => s.At) - steps.Min(s => s.At)))
            .OrderByDescending(panel => panel.Steps).ToList();
        TestContext.Current.TestOutputHelper?.WriteLine(string.Join(", ", growth.Select(g => $"{g.Agent}: {g.Steps} steps over {g.Span:0} ms")));
        Assert.True(growth.Count > 0 && growth[0].Steps >= 4 && growth[0].Span >= 500,
            $"A panel's text should grow step by step before done; saw {string.Join(", ", growth)}");

        var p = page.Page;
        Assert.Equal(10, await p.Locator(".panel[data-status=done]").CountAsync());
        Assert.Equal(10, await p.Locator(".panel .scale .step.active").CountAsync());
        foreach (var (agent, answer) in await page.AnswersAsync())
        {
            Assert.False(string.IsNullOrWhiteSpace(answer), $"{agent}'s panel is empty.");
            Assert.DoesNotContain("<stance>", answer, StringComparison.Ordinal);
        }
        var rows = await p.EvaluateAsync<int[]>("() => [...document.querySelectorAll('#heatmap tbody tr')].map(row => row.querySelectorAll('td').length)");
        Assert.Equal(Enumerable.Repeat(10, 10), rows);
        Assert.EndsWith("%", await p.InnerTextAsync("#consensus-value"), StringComparison.Ordinal);
        var synthesis = await p.InnerTextAsync("#synthesis-text");
        Assert.False(string.IsNullOrWhiteSpace(synthesis));
        Assert.DoesNotContain("absent", await p.GetAttributeAsync("#synthesis-text", "class") ?? "", StringComparison.Ordinal);
        Assert.True(await p.Locator("#axes .axis").CountAsync() > 0, "The tension map should list the axes of disagreement.");
        var totals = await p.InnerTextAsync("#totals");
        Assert.Contains("10 of 10", totals, StringComparison.Ordinal);
        Assert.Contains("Cost", totals, StringComparison.Ordinal);
        Assert.Contains("$", totals, StringComparison.Ordinal);

        await p.ScreenshotAsync(new() { Path = "/tmp/consilium-web.png", FullPage = true });
        await p.EmulateMediaAsync(new() { ColorScheme = ColorScheme.Dark });
        await p.ScreenshotAsync(new() { Path = "/tmp/consilium-web-dark.png", FullPage = true });
        Assert.Empty(page.Errors);
    }

    [Fact]
    public async Task AskCouncil_TwoAgentsPickedWithoutSynthesis_ShowsTwoPanelsAndATwoByTwoMap()
    {
        await using var page = await CouncilPage.OpenAsync(chromium.Browser, _topology.GatewayUrl);
        var p = page.Page;
        await p.GetByLabel("Access key").FillAsync(_topology.Secret);
        await p.GetByLabel("Access key").PressAsync("Tab"); // the roster loads with the key
        await p.Locator("#agent-picker summary").ClickAsync();
        await Assertions.Expect(p.Locator("#agents-note")).ToHaveTextAsync("All agents reachable.");
        Assert.Equal(Roster.All.Select(agent => agent.Name), await p.Locator("#agent-list .agent-name").AllInnerTextsAsync());

        await p.GetByRole(AriaRole.Button, new() { Name = "None", Exact = true }).ClickAsync();
        await p.GetByLabel(Roster.All[0].Name).CheckAsync();
        await p.GetByLabel(Roster.All[^1].Name).CheckAsync();
        await p.GetByLabel("Synthesis").UncheckAsync();
        await page.AskAsync(_topology.Secret, $"{Question} {Fast}");
        var end = await page.WaitForEndAsync();

        Assert.True(end == "done", $"The page ended in '{end}': {await p.InnerTextAsync("#problem")}");
        Assert.Equal([Roster.All[0].Id, Roster.All[^1].Id], (await page.AnswersAsync()).Keys);
        var rows = await p.EvaluateAsync<int[]>("() => [...document.querySelectorAll('#heatmap tbody tr')].map(row => row.querySelectorAll('td').length)");
        Assert.Equal([2, 2], rows);
        Assert.Contains("turned off", await p.InnerTextAsync("#synthesis-text"), StringComparison.Ordinal);
        Assert.Contains("2 of 2", await p.InnerTextAsync("#totals"), StringComparison.Ordinal);
        Assert.Empty(page.Errors);
    }

    [Fact]
    public async Task AskCouncil_WrongKey_ShowsThe401Detail()
    {
        using var client = ProcessTopology.CreateClient(_topology.GatewayUrl, "not-the-key");
        using var refused = await client.PostAsJsonAsync("/api/consilium", new { message = Question }, TestContext.Current.CancellationToken);
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        var detail = (await refused.Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken)).GetProperty("detail").GetString();
        await using var page = await CouncilPage.OpenAsync(chromium.Browser, _topology.GatewayUrl);

        await page.AskAsync("not-the-key", $"{Question} {Fast}");
        var end = await page.WaitForEndAsync();

        Assert.Equal("error", end);
        var problem = await page.Page.InnerTextAsync("#problem");
        Assert.Contains("401", problem, StringComparison.Ordinal);
        Assert.Contains(detail!, problem, StringComparison.Ordinal);
        Assert.Equal(0, await page.Page.Locator(".panel[data-status=done]").CountAsync());
        // The browser itself logs each refused request; anything else would be the page's own error.
        Assert.All(page.Errors, error => Assert.Contains("status of 401", error, StringComparison.Ordinal));
    }

    [Fact]
    public async Task AskCouncil_HostileModelText_ShownIntactAsText()
    {
        await using var page = await CouncilPage.OpenAsync(chromium.Browser, _topology.GatewayUrl);

        await page.AskAsync(_topology.Secret, $"{Question} {Fast} [[sim inject=hostile]]");
        var end = await page.WaitForEndAsync();

        Assert.Equal("done", end);
        Assert.Equal(10, await page.Page.Locator(".panel .scale .step.active").CountAsync());
        foreach (var (agent, answer) in await page.AnswersAsync())
        {
            // The simulator's text that would break SSE framing if a relay let it: an event boundary, a lone CR, a NUL, non-ASCII.
            Assert.True(answer.Contains("Raw bytes follow:\n\nevent: done\ndata: x and a lone \r carriage return, a NUL \0, then é, 中 and 🎉.", StringComparison.Ordinal),
                $"{agent}'s panel should show the hostile text exactly as written:\n{answer}");
        }
        Assert.False(await page.Page.IsVisibleAsync("#problem"));
        Assert.Empty(page.Errors);
    }

    [Fact]
    public async Task AskCouncil_MarkupInEveryField_ShownAsTextNeverRun()
    {
        await using var page = await CouncilPage.OpenAsync(chromium.Browser, _topology.GatewayUrl);
        var stream = HostileMarkupStream();
        await page.Page.RouteAsync("**/api/consilium", route => route.FulfillAsync(new()
        {
            Status = 200,
            ContentType = "text/event-stream",
            Headers = new Dictionary<string, string> { ["Consilium-Session"] = "s-markup" },
            Body = stream,
        }));

        await page.AskAsync(_topology.Secret, Question);
        var end = await page.WaitForEndAsync();

        Assert.Equal("done", end);
        var p = page.Page;
        Assert.Null(await p.EvaluateAsync<string?>("() => window.__pwned ?? null"));
        Assert.Equal(0, await p.Locator("#panels :is(script, img, iframe, b, i), #tension :is(script, img, iframe, b, i)").CountAsync());
        var answers = await page.AnswersAsync();
        Assert.Equal("<script>window.__pwned = 'script'</script> <img src=x onerror=\"window.__pwned = 'img'\"> &amp; <b>bold</b>", answers["vasquez"]);
        var panel = await p.InnerTextAsync(".panel[data-agent=vasquez]");
        Assert.Contains("<img src=x onerror=\"window.__pwned = 'name'\">Vasquez", panel, StringComparison.Ordinal);
        Assert.Contains("<b>finance</b>", panel, StringComparison.Ordinal);
        Assert.Contains("<i>summary</i>", panel, StringComparison.Ordinal);
        Assert.Contains("<script>alert(1)</script>", await p.InnerTextAsync(".panel[data-agent=webb]"), StringComparison.Ordinal);
        var tension = await p.InnerTextAsync("#tension");
        Assert.Contains("<iframe src=\"javascript:window.__pwned = 'iframe'\"></iframe>", tension, StringComparison.Ordinal);
        Assert.Contains("<b>crux</b>", tension, StringComparison.Ordinal);
        Assert.Empty(page.Errors);
    }

    [Fact]
    public async Task AskCouncil_StreamBreaksBeforeDone_ResumesWithoutDuplicates()
    {
        await using var page = await CouncilPage.OpenAsync(chromium.Browser, _topology.GatewayUrl);
        var full = new List<SseItem<string>>();
        long cutAfter = 0;
        // The real council, cut short: its first half (CRLF line ends, then half an event) and then the connection ends.
        await page.Page.RouteAsync("**/api/consilium", async route =>
        {
            var real = await route.FetchAsync();
            full.AddRange(SseParser.Create(new MemoryStream(await real.BodyAsync())).Enumerate());
            var deltas = full.Where(item => item.EventType == "delta").ToList();
            var cut = full.IndexOf(deltas[deltas.Count / 2]);
            cutAfter = long.Parse(full[cut].EventId!, System.Globalization.CultureInfo.InvariantCulture);
            var body = new StringBuilder();
            foreach (var item in full.Take(cut + 1))
            {
                body.Append($"id: {item.EventId}\r\nevent: {item.EventType}\r\ndata: {item.Data}\r\n\r\n");
            }
            body.Append($"id: {cutAfter + 1}\r\nevent: delta\r\ndata: {{\"agent\":\"vasq");
            await route.FulfillAsync(new()
            {
                Status = 200,
                ContentType = "text/event-stream",
                Headers = new Dictionary<string, string> { ["Consilium-Session"] = real.Headers["consilium-session"] },
                Body = body.ToString(),
            });
        });
        var resumes = new List<string>();
        page.Page.Request += (_, request) =>
        {
            if (request.Url.Contains("/api/consilium/sessions/", StringComparison.Ordinal))
            {
                lock (resumes)
                {
                    resumes.Add(request.Url);
                }
            }
        };

        await page.AskAsync(_topology.Secret, $"Should we add rooftop solar to our logistics sheds? {Fast}");
        var end = await page.WaitForEndAsync();

        Assert.True(end == "done", $"The page ended in '{end}': {await page.Page.InnerTextAsync("#problem")}");
        var resume = Assert.Single(resumes);
        Assert.Contains($"lastEventId={cutAfter}", resume, StringComparison.Ordinal);
        Assert.Contains("resume=", resume, StringComparison.Ordinal);
        var answers = await page.AnswersAsync();
        foreach (var id in Roster.Ids)
        {
            var text = string.Concat(full.Where(item => item.EventType == "delta")
                .Select(item => JsonDocument.Parse(item.Data).RootElement)
                .Where(delta => delta.GetProperty("agent").GetString() == id)
                .Select(delta => delta.GetProperty("text").GetString()));
            var stance = text.LastIndexOf("<stance>", StringComparison.Ordinal);
            Assert.Equal(stance >= 0 ? text[..stance].TrimEnd() : text, answers[id]);
        }
        Assert.Equal(10, await page.Page.Locator(".panel .scale .step.active").CountAsync());
        Assert.True(await page.Page.IsVisibleAsync("#totals"));
        Assert.Empty(page.Errors);
    }

    [Fact]
    public async Task AskCouncil_ErrorWithoutAnId_IsNotTerminalAndResumesFromTheLastId()
    {
        await using var page = await CouncilPage.OpenAsync(chromium.Browser, _topology.GatewayUrl);
        var full = new List<SseItem<string>>();
        long cutAfter = 0;
        // An `error` without an `id:` is the serving replica's, not the council's (docs/api.md): here the real council's
        // first half ends with one, and the first resume answers with nothing but one (no id at all on that connection).
        const string ReplicaError = "event: error\ndata: {\"code\":\"unavailable\",\"message\":\"This replica lost the event log.\"}\n\n";
        await page.Page.RouteAsync("**/api/consilium", async route =>
        {
            var real = await route.FetchAsync();
            full.AddRange(SseParser.Create(new MemoryStream(await real.BodyAsync())).Enumerate());
            var deltas = full.Where(item => item.EventType == "delta").ToList();
            var cut = full.IndexOf(deltas[deltas.Count / 2]);
            cutAfter = long.Parse(full[cut].EventId!, System.Globalization.CultureInfo.InvariantCulture);
            var body = new StringBuilder();
            foreach (var item in full.Take(cut + 1))
            {
                body.Append($"id: {item.EventId}\nevent: {item.EventType}\ndata: {item.Data}\n\n");
            }
            body.Append(ReplicaError);
            await route.FulfillAsync(new()
            {
                Status = 200,
                ContentType = "text/event-stream",
                Headers = new Dictionary<string, string> { ["Consilium-Session"] = real.Headers["consilium-session"] },
                Body = body.ToString(),
            });
        });
        var resumes = new List<string>();
        await page.Page.RouteAsync("**/api/consilium/sessions/*/events*", async route =>
        {
            int count;
            lock (resumes)
            {
                resumes.Add(route.Request.Url);
                count = resumes.Count;
            }
            if (count == 1)
            {
                await route.FulfillAsync(new() { Status = 200, ContentType = "text/event-stream", Body = $": ping\n\n{ReplicaError}" });
            }
            else
            {
                await route.ContinueAsync();
            }
        });

        await page.AskAsync(_topology.Secret, $"Should we add rooftop solar to our logistics sheds? {Fast}");
        var end = await page.WaitForEndAsync();

        Assert.True(end == "done", $"The page ended in '{end}': {await page.Page.InnerTextAsync("#problem")}");
        Assert.Equal(2, resumes.Count);
        Assert.All(resumes, resume => Assert.Contains($"lastEventId={cutAfter}", resume, StringComparison.Ordinal));
        var answers = await page.AnswersAsync();
        foreach (var id in Roster.Ids)
        {
            var text = string.Concat(full.Where(item => item.EventType == "delta")
                .Select(item => JsonDocument.Parse(item.Data).RootElement)
                .Where(delta => delta.GetProperty("agent").GetString() == id)
                .Select(delta => delta.GetProperty("text").GetString()));
            var stance = text.LastIndexOf("<stance>", StringComparison.Ordinal);
            Assert.Equal(stance >= 0 ? text[..stance].TrimEnd() : text, answers[id]);
        }
        Assert.False(await page.Page.IsVisibleAsync("#problem"));
        Assert.True(await page.Page.IsVisibleAsync("#totals"));
        Assert.Empty(page.Errors);
    }

    [Fact]
    public async Task SseParser_AnyLineEndsAndChunks_ParsesEventsAsTheStandardSays()
    {
        await using var page = await CouncilPage.OpenAsync(chromium.Browser, _topology.GatewayUrl);

        // Fed one byte at a time: a CRLF split across chunks, a UTF-8 character split across chunks, CR-only and LF-only
        // lines, a comment, two data lines, "data:" without a space, an unfinished event at the end (dropped).
        var parsed = await page.Page.EvaluateAsync<string>("""
            async () => {
              const { SseParser } = await import('/sse.js');
              const events = [];
              const comments = [];
              const parser = new SseParser(e => events.push(e), { onComment: c => comments.push(c) });
              const text = ': ping\r\nid: 1\r\nevent: delta\r\ndata: {"text":"é中🎉"}\r\n\r\n'
                + 'id: 2\revent: two\rdata: first\rdata:second\r\r'
                + 'id: 3\nevent: three\ndata: x\n\n'
                + 'id: 4\nevent: partial\ndata: lost';
              for (const byte of new TextEncoder().encode(text)) parser.push(new Uint8Array([byte]));
              parser.end();
              return JSON.stringify({ events, comments });
            }
            """);

        Assert.Equal(
            """{"events":[{"type":"delta","data":"{\"text\":\"é中🎉\"}","id":"1"},{"type":"two","data":"first\nsecond","id":"2"},{"type":"three","data":"x","id":"3"}],"comments":["ping"]}""",
            parsed);
    }

    private async Task WarmUpAsync()
    {
        using var client = _topology.CreateGatewayClient();
        using var response = await SseClient.PostAsync(client, "/api/consilium",
            new { message = "Warm-up. [[sim ttft=0 rate=0 tokens=5]]", synthesis = false }, TestContext.Current.CancellationToken);
        var transcript = await SseClient.ReadToEndAsync(response, TestContext.Current.CancellationToken);
        Assert.Equal("done", transcript.Terminal?.EventType);
    }

    /// <summary>A council stream whose every text field carries markup: names, domains, models, deltas, stances, errors, the map.</summary>
    private static string HostileMarkupStream()
    {
        var stance = new { position = 1, confidence = 0.8, summary = "<i>summary</i>", topics = new Dictionary<string, int> { ["<b>topic</b>"] = 1 } };
        var usage = new { input_tokens = 10, output_tokens = 20, cache_creation_input_tokens = 0, cache_read_input_tokens = 0 };
        (string Type, object Data)[] events =
        [
            ("session", new
            {
                sessionId = "s-markup",
                resumeToken = "t",
                agents = new[]
                {
                    new { id = "vasquez", name = "<img src=x onerror=\"window.__pwned = 'name'\">Vasquez", domain = "<b>finance</b>" },
                    new { id = "webb", name = "<i>Webb</i>", domain = "<script>window.__pwned = 'domain'</script>" },
                },
            }),
            ("agent_start", new { agent = "vasquez", model = "<b>model</b>" }),
            ("delta", new { agent = "vasquez", text = "<script>window.__pwned = 'script'</script>" }),
            ("delta", new { agent = "vasquez", text = " <img src=x onerror=\"window.__pwned = 'img'\"> &amp; <b>bold</b>" }),
            ("delta", new { agent = "vasquez", text = "\n\n<stance>{}</stance>" }),
            ("agent_done", new { agent = "vasquez", model = "<b>model</b>", stance, usage, ttftMs = 5, durationMs = 50 }),
            ("agent_error", new { agent = "webb", code = "<i>timeout</i>", message = "<script>alert(1)</script>" }),
            ("synthesis_delta", new { text = "{\"synthesis\":\"<img src=x onerror=\\\"window.__pwned = 'draft'\\\">" }),
            ("tension_map", new
            {
                agents = new[] { "vasquez", "webb" },
                positions = new Dictionary<string, object> { ["vasquez"] = stance, ["webb"] = stance },
                matrix = new[] { new[] { 0.0, 0.6 }, new[] { 0.6, 0.0 } },
                consensus = 0.4,
                coalitions = new[] { new[] { "vasquez", "webb" } },
                outliers = new[] { "webb" },
                missing = Array.Empty<string>(),
                axes = new[] { new { topic = "<b>topic</b>", @for = new[] { "vasquez" }, against = new[] { "webb" }, crux = "<b>crux</b>" } },
                synthesis = "<iframe src=\"javascript:window.__pwned = 'iframe'\"></iframe>",
            }),
            ("done", new { succeeded = new[] { "vasquez" }, failed = new[] { "webb" }, usage, costUsd = 0.0001, cacheSavingsUsd = 0, durationMs = 60 }),
        ];
        var body = new StringBuilder();
        for (var i = 0; i < events.Length; i++)
        {
            body.Append($"id: {i + 1}\nevent: {events[i].Type}\ndata: {JsonSerializer.Serialize(events[i].Data)}\n\n");
        }
        return body.ToString();
    }
}
