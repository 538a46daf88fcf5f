using Consilium.Cli;
using Consilium.Client;
using Spectre.Console;
using Spectre.Console.Testing;

namespace Consilium.Clients.Tests;

/// <summary>The CLI's live view as Spectre.Console renders it, in a test console.</summary>
public sealed class LiveViewTests
{
    private static readonly Usage SomeUsage = new(1200, 340, 0, 5000);

    [Fact]
    public void Render_WhileStreaming_ShowsEachAgentsStatusModelTokensAndTail()
    {
        var view = new CouncilView(TimeProvider.System);
        view.Apply(new SessionEvent("s", "t", [new("vasquez", "Elena Vasquez", "Capital markets"), new("cross", "Marcus Cross", "Red team")]) { Id = 1 });
        view.Apply(new AgentStartEvent("vasquez", "claude-sonnet-4-20250514") { Id = 2 });
        view.Apply(new DeltaEvent("vasquez", "The cap rate spread ") { Id = 3 });
        view.Apply(new DeltaEvent("vasquez", "argues against buying now.") { Id = 4 });
        view.Apply(new AgentErrorEvent("cross", "timeout", "no first token in 30 s") { Id = 5 });
        using var console = new TestConsole().Width(160);

        console.Write(view.Render());

        var output = console.Output;
        Assert.Contains("Elena Vasquez", output, StringComparison.Ordinal);
        Assert.Contains("streaming", output, StringComparison.Ordinal);
        Assert.Contains("claude-sonnet-4-20250514", output, StringComparison.Ordinal);
        Assert.Contains("argues against buying now.", output, StringComparison.Ordinal);
        Assert.Contains("timeout", output, StringComparison.Ordinal);
        var vasquez = console.Lines.First(line => line.Contains("Elena Vasquez", StringComparison.Ordinal));
        Assert.Matches(@"\b2\b", vasquez); // two fragments so far
    }

    [Fact]
    public void RenderSummary_ColoursTheMatrixAndShowsAxesSynthesisUsageAndCost()
    {
        var view = new CouncilView(TimeProvider.System);
        view.Apply(new SessionEvent("s", "t", [new("vasquez", "Elena Vasquez", "Capital"), new("cross", "Marcus Cross", "Red team")]) { Id = 1 });
        view.Apply(new TensionMapEvent(
            ["vasquez", "cross"],
            new Dictionary<string, StancePosition> { ["vasquez"] = new(1, 0.7, "Buy."), ["cross"] = new(-2, 0.9, "Do not.") },
            [[0, 0.9], [0.9, 0]],
            0.1,
            [["vasquez"], ["cross"]],
            ["cross"],
            [],
            [new TensionAxis("financing", ["vasquez"], ["cross"], "Whether rates fall within two years.")],
            "Split: it turns on the rate path.") { Id = 2 });
        view.Apply(new DoneEvent(["vasquez", "cross"], [], SomeUsage, 0.012345m, 0.0135m, 8200) { Id = 3 });
        using var console = new TestConsole().Width(160).Colors(ColorSystem.TrueColor).EmitAnsiSequences();

        console.Write(view.RenderSummary(full: false));

        var output = console.Output;
        Assert.Contains("Tension map", output, StringComparison.Ordinal);
        Assert.Contains("0.90", output, StringComparison.Ordinal);
        Assert.Contains("\u001b[38;5;9m0.90", output, StringComparison.Ordinal); // strong disagreement in red
        Assert.Contains("financing", output, StringComparison.Ordinal);
        Assert.Contains("Whether rates fall within two years.", output, StringComparison.Ordinal);
        Assert.Contains("Split: it turns on the rate path.", output, StringComparison.Ordinal);
        Assert.Contains("$0.012345", output, StringComparison.Ordinal);
        Assert.Contains("out 340", output, StringComparison.Ordinal);
    }
}

/// <summary>The live view of a real council, drawn in an interactive test console.</summary>
[Collection(SystemCollection.Name)]
public sealed class LiveCouncilViewTests(SystemFixture system)
{
    [Fact]
    public async Task Ask_InAnInteractiveConsole_DrawsTheLiveViewThenTheSummary()
    {
        using var console = new TestConsole().Width(200).Interactive().SupportsAnsi(true).EmitAnsiSequences();

        var code = await CliApp.RunAsync(
            ["ask", "Should we convert a 1970s office block into flats?", "--agents", "vasquez,webb,cross",
             "--url", system.Topology.GatewayUrl.ToString(), "--key", system.Topology.Secret],
            console);

        var output = console.Output;
        Assert.True(code == ExitCodes.Ok, output);
        Assert.Contains("\u001b[", output, StringComparison.Ordinal); // cursor control: the view is redrawn in place
        foreach (var name in new[] { "vasquez", "webb", "cross" })
        {
            Assert.Contains(name, output, StringComparison.Ordinal);
        }
        Assert.Contains("Tension map", output, StringComparison.Ordinal);
        Assert.Contains("Done", output, StringComparison.Ordinal);
        Assert.Contains("Cost", output, StringComparison.Ordinal);
    }
}
