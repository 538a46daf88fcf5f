using Microsoft.Playwright;

namespace Consilium.EndToEnd.Tests.Browser;

/// <summary>
/// Debian's Chromium driven by Playwright, headless, one browser per test class (each test opens its own context).
/// Never <c>playwright install</c>: the browser is the system's, so the tests run offline.
/// </summary>
public sealed class ChromiumFixture : IAsyncLifetime
{
    public const string ExecutablePath = "/usr/bin/chromium";

    private IPlaywright? _playwright;
    private IBrowser? _browser;

    public IBrowser Browser => _browser ?? throw new InvalidOperationException("Chromium has not been started.");

    public async ValueTask InitializeAsync()
    {
        if (!File.Exists(ExecutablePath))
        {
            throw new InvalidOperationException(
                $"The browser tests drive Debian's Chromium at {ExecutablePath}, which is missing: install chromium: sudo apt-get install -y chromium (./test does this).");
        }
        _playwright = await Playwright.CreateAsync();
        // Playwright gives every launch a fresh, empty user-data directory of its own (and deletes it on close).
        _browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = ExecutablePath,
            Headless = true,
            Args =
            [
                "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync",
            ],
        });
    }

    public async ValueTask DisposeAsync()
    {
        if (_browser is not null)
        {
            await _browser.CloseAsync();
        }
        _playwright?.Dispose();
    }
}
