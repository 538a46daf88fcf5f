using System.Text.Json;
using Microsoft.Playwright;

namespace Consilium.EndToEnd.Tests.Browser;

/// <summary>
/// The gateway's web page in a fresh browser context: what a person does on it (key, question, Ask) and what it shows.
/// Collects the page's console errors and uncaught exceptions, which a test asserts are none.
/// </summary>
public sealed class CouncilPage : IAsyncDisposable
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    private readonly IBrowserContext _context;
    private readonly List<string> _errors = [];

    private CouncilPage(IBrowserContext context, IPage page)
    {
        _context = context;
        Page = page;
        page.Console += (_, message) =>
        {
            if (message.Type == "error")
            {
                lock (_errors)
                {
                    _errors.Add($"console: {message.Text}");
                }
            }
        };
        page.PageError += (_, error) =>
        {
            lock (_errors)
            {
                _errors.Add($"uncaught: {error}");
            }
        };
    }

    public IPage Page { get; }

    /// <summary>Console errors and uncaught exceptions so far.</summary>
    public IReadOnlyList<string> Errors
    {
        get
        {
            lock (_errors)
            {
                return [.. _errors];
            }
        }
    }

    public static async Task<CouncilPage> OpenAsync(IBrowser browser, Uri gateway, ColorScheme colorScheme = ColorScheme.Light)
    {
        var context = await browser.NewContextAsync(new BrowserNewContextOptions
        {
            BaseURL = gateway.ToString(),
            ViewportSize = new ViewportSize { Width = 1440, Height = 1000 },
            ColorScheme = colorScheme,
        });
        context.SetDefaultTimeout(30_000);
        var page = await context.NewPageAsync();
        var councilPage = new CouncilPage(context, page);
        var response = await page.GotoAsync("/");
        Assert.True(response is { Ok: true }, $"GET / on the gateway answered {response?.Status}.");
        return councilPage;
    }

    /// <summary>Types the key and the question and presses Ask.</summary>
    public async Task AskAsync(string key, string question)
    {
        await Page.GetByLabel("Access key").FillAsync(key);
        await Page.GetByLabel("Question").FillAsync(question);
        await Page.GetByRole(AriaRole.Button, new() { Name = "Ask the council" }).ClickAsync();
    }

    /// <summary>Waits until the page says the council ended (<c>done</c>, <c>error</c> or <c>stopped</c>) and returns which.</summary>
    public async Task<string> WaitForEndAsync(float timeoutMs = 60_000)
    {
        await Page.WaitForFunctionAsync(
            "() => ['done', 'error', 'stopped'].includes(document.body.dataset.state)", null, new() { Timeout = timeoutMs });
        return await Page.EvaluateAsync<string>("() => document.body.dataset.state");
    }

    /// <summary>
    /// From now on, records every change of a panel's visible answer: its length, the panel's status and the page's
    /// state, with a timestamp (read with <see cref="TextSamplesAsync"/>).
    /// </summary>
    public Task RecordTextGrowthAsync() => Page.EvaluateAsync("""
        () => {
          const samples = [];
          const last = new Map();
          const record = () => {
            const state = document.body.dataset.state;
            for (const panel of document.querySelectorAll('.panel')) {
              const length = panel.querySelector('.answer').textContent.length;
              const agent = panel.dataset.agent;
              if (last.get(agent) === length) continue;
              last.set(agent, length);
              samples.push({ agent, length, status: panel.dataset.status, state, at: performance.now() });
            }
          };
          new MutationObserver(record).observe(document.body,
            { subtree: true, childList: true, characterData: true, attributes: true, attributeFilter: ['data-state'] });
          window.__textSamples = samples;
        }
        """);

    public async Task<IReadOnlyList<TextSample>> TextSamplesAsync() =>
        JsonSerializer.Deserialize<List<TextSample>>(await Page.EvaluateAsync<string>("() => JSON.stringify(window.__textSamples ?? [])"), Json) ?? [];

    /// <summary>Each panel's displayed answer, by agent id, in page order.</summary>
    public async Task<IReadOnlyDictionary<string, string>> AnswersAsync()
    {
        var json = await Page.EvaluateAsync<string>("""
            () => JSON.stringify(Object.fromEntries([...document.querySelectorAll('.panel')]
              .map(panel => [panel.dataset.agent, panel.querySelector('.answer').textContent])))
            """);
        return JsonSerializer.Deserialize<Dictionary<string, string>>(json, Json) ?? [];
    }

    public async ValueTask DisposeAsync() => await _context.CloseAsync();
}

/// <summary>One recorded change of a panel's visible answer.</summary>
public sealed record TextSample(string Agent, int Length, string Status, string State, double At);
