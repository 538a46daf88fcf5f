using Consilium.Testing;

namespace Consilium.EndToEnd.Tests.Browser;

/// <summary>The page's Stop button stops the council on the server (DELETE), not only the page's reading.</summary>
[Collection(SystemCollection.Name)]
public sealed class StopButtonTests(SystemFixture system, ChromiumFixture chromium) : IClassFixture<ChromiumFixture>
{
    /// <summary>Slow answers: the council is still running when the button is pressed.</summary>
    private const string Slow = "[[sim ttft=5 rate=20 tokens=400]]";

    [Fact]
    public async Task Stop_WhileStreaming_CancelsTheCouncilAndShowsWhatItSpent()
    {
        var ct = TestContext.Current.CancellationToken;
        var topology = system.Topology;
        using var simulator = ProcessTopology.CreateClient(topology.SimulatorUrl);
        var before = (await SimulatorRequestLog.ReadAsync(simulator, ct)).Count;
        await using var page = await CouncilPage.OpenAsync(chromium.Browser, topology.GatewayUrl);

        await page.AskAsync(topology.Secret, $"Should we buy the mixed-use block on Harbour Street? {Slow}");
        await page.Page.WaitForSelectorAsync(".panel[data-status=streaming]");
        await page.Page.ClickAsync("#stop");
        var end = await page.WaitForEndAsync();

        Assert.Equal("stopped", end);
        Assert.Contains("every call of the council was cancelled", await page.Page.InnerTextAsync("#status"), StringComparison.Ordinal);
        Assert.Contains("Cost", await page.Page.InnerTextAsync("#totals"), StringComparison.Ordinal);
        // The agents cancel their model calls just after the orchestrator cancels them: read until each has an outcome.
        var time = TimeProvider.System;
        var start = time.GetTimestamp();
        var requests = (await SimulatorRequestLog.ReadAsync(simulator, ct)).Skip(before).ToArray();
        while (requests.Any(r => r.GetProperty("outcome").ValueKind == System.Text.Json.JsonValueKind.Null) && time.GetElapsedTime(start) < TimeSpan.FromSeconds(5))
        {
            await Task.Delay(50, ct);
            requests = (await SimulatorRequestLog.ReadAsync(simulator, ct)).Skip(before).ToArray();
        }
        Assert.NotEmpty(requests);
        Assert.All(requests, request => Assert.Equal("cancelled", request.GetProperty("outcome").ToString()));
        Assert.Empty(page.Errors);
    }
}
