using Consilium.Cli;
using Consilium.Testing;

namespace Consilium.Clients.Tests;

/// <summary>
/// Session ids, resume tokens and keys are base64url: one in 64 starts with '-', which the parser would take for an
/// option. The tool must accept them as given.
/// </summary>
public sealed class CliArgumentsTests
{
    [Fact]
    public void Normalize_ValuesStartingWithADash_AreJoinedToTheirOptionOrPassedAsTheSession()
    {
        Assert.Equal(
            ["resume", "--session=-_Zq3", "--token=-Xy9", "--json", "--url", "http://x/", "--last-event-id", "4"],
            CliArguments.Normalize(["resume", "-_Zq3", "--token", "-Xy9", "--json", "--url", "http://x/", "--last-event-id", "4"]));
        Assert.Equal(["ask", "Q?", "--key=-k3Y", "--agents", "chen"], CliArguments.Normalize(["ask", "Q?", "--key", "-k3Y", "--agents", "chen"]));
        // A flag followed by another option stays as it is.
        Assert.Equal(["resume", "abc", "--json", "--full"], CliArguments.Normalize(["resume", "abc", "--json", "--full"]));
    }

    [Fact]
    public async Task Resume_SessionAndTokenStartingWithADash_AreParsed_AndTheServerIsCalled()
    {
        // Nothing listens on the port: a parsed command fails reaching the server (exit 5), a parse error is a usage error (2).
        var outcome = await CliProcess.RunAsync(
            ["resume", "-_cdefghijklmnopqrstuv", "--token", "-Xyzabcdefghijklmnopqr", "--url", $"http://127.0.0.1:{Ports.GetFree()}/"], null,
            TestContext.Current.CancellationToken);

        Assert.True(outcome.ExitCode == ExitCodes.Server, outcome.ToString());
    }
}
