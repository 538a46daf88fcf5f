using System.Text.Json;
using Consilium.Cli;
using Consilium.Testing;

namespace Consilium.Clients.Tests;

/// <summary>The <c>consilium</c> tool as a process, through the gateway.</summary>
[Collection(SystemCollection.Name)]
public sealed class CliTests(SystemFixture system)
{
    private string Url => system.Topology.GatewayUrl.ToString();

    [Fact]
    public async Task Ask_Json_PrintsOneEventPerLineEndingWithDone()
    {
        var outcome = await CliProcess.RunAsync(
            ["ask", "Should we convert a 1970s office block into flats?", "--agents", "vasquez,cross", "--json", "--url", Url],
            new Dictionary<string, string?> { ["CONSILIUM_KEY"] = system.Topology.Secret },
            TestContext.Current.CancellationToken);

        Assert.True(outcome.ExitCode == ExitCodes.Ok, outcome.ToString());
        var events = outcome.Lines.Select(line => JsonDocument.Parse(line).RootElement).ToArray();
        Assert.Equal("session", events[0].GetProperty("event").GetString());
        Assert.Equal("done", events[^1].GetProperty("event").GetString());
        Assert.Equal(Enumerable.Range(1, events.Length), events.Select(e => e.GetProperty("id").GetInt32()));
        Assert.Contains(events, e => e.GetProperty("event").GetString() == "tension_map");
        Assert.True(events[^1].GetProperty("data").GetProperty("usage").GetProperty("output_tokens").GetInt64() > 0);
        Assert.DoesNotContain('\u001b', outcome.Stdout); // no colour or cursor control in a pipe
    }

    [Fact]
    public async Task Agents_Json_ListsTheTen()
    {
        var outcome = await CliProcess.RunAsync(
            ["agents", "--json", "--url", Url, "--key", system.Topology.Secret], null, TestContext.Current.CancellationToken);

        Assert.True(outcome.ExitCode == ExitCodes.Ok, outcome.ToString());
        Assert.Equal(10, outcome.Lines.Count);
        Assert.Equal("vasquez", JsonDocument.Parse(outcome.Lines[0]).RootElement.GetProperty("id").GetString());
    }

    [Fact]
    public async Task Ask_WrongKey_ExitsWithTheAuthCodeAndTheProblemDetail()
    {
        var outcome = await CliProcess.RunAsync(
            ["ask", "Hello?", "--json", "--url", Url, "--key", "not-the-secret"], null, TestContext.Current.CancellationToken);

        Assert.True(outcome.ExitCode == ExitCodes.Auth, outcome.ToString());
        Assert.Contains("401", outcome.Stderr, StringComparison.Ordinal);
        Assert.Empty(outcome.Stdout.Trim());
    }

    [Theory]
    [InlineData("ask")]                                    // no question
    [InlineData("ask", "Hello?", "--agents", ",")]          // empty agent list
    [InlineData("ask", "Hello?", "--url", "not a url")]
    [InlineData("ask", "Hello?", "--no-such-option")]
    [InlineData("resume")]                                 // no session id
    public async Task BadArguments_ExitWithTheUsageCode(params string[] args)
    {
        var outcome = await CliProcess.RunAsync(args, null, TestContext.Current.CancellationToken);

        Assert.True(outcome.ExitCode == ExitCodes.Usage, outcome.ToString());
    }

    [Fact]
    public async Task Ask_UnknownAgent_ExitsWithTheUsageCodeAndTheServersDetail()
    {
        var outcome = await CliProcess.RunAsync(
            ["ask", "Hello?", "--agents", "nobody", "--url", Url, "--key", system.Topology.Secret], null, TestContext.Current.CancellationToken);

        Assert.True(outcome.ExitCode == ExitCodes.Usage, outcome.ToString());
        Assert.Contains("'nobody'", outcome.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Resume_WithTokenOnly_ReplaysTheCouncilToDone()
    {
        var ct = TestContext.Current.CancellationToken;
        var asked = await CliProcess.RunAsync(
            ["ask", "Is a ground lease worth it?", "--agents", "chen,okafor", "--no-synthesis", "--json", "--url", Url, "--key", system.Topology.Secret], null, ct);
        Assert.True(asked.ExitCode == ExitCodes.Ok, asked.ToString());
        var session = JsonDocument.Parse(asked.Lines[0]).RootElement.GetProperty("data");

        var resumed = await CliProcess.RunAsync(
            ["resume", session.GetProperty("sessionId").GetString()!, "--token", session.GetProperty("resumeToken").GetString()!, "--json", "--url", Url], null, ct);

        Assert.True(resumed.ExitCode == ExitCodes.Ok, resumed.ToString());
        // The same events; only the replayed session event lacks the resume token, which the server keeps no copy of.
        Assert.Equal(asked.Lines.Skip(1), resumed.Lines.Skip(1));
        var replayed = JsonDocument.Parse(resumed.Lines[0]).RootElement.GetProperty("data");
        Assert.Equal(session.GetProperty("sessionId").GetString(), replayed.GetProperty("sessionId").GetString());
        Assert.Equal(JsonValueKind.Null, replayed.GetProperty("resumeToken").ValueKind);
    }
}

/// <summary>The tool against a system whose rate limit is 3 requests a minute.</summary>
public sealed class CliRateLimitTests
{
    [Fact]
    public async Task Agents_OverTheRateLimit_ExitsWithTheRateLimitCodeAndRetryAfter()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var topology = await ProcessTopology.StartAsync(new Dictionary<string, string?> { ["RATE_LIMIT_PER_MINUTE"] = "3" }, ct);
        string[] args = ["agents", "--json", "--url", topology.GatewayUrl.ToString(), "--key", topology.Secret];

        var admitted = new List<CliProcess.Outcome>();
        for (var i = 0; i < 3; i++)
        {
            admitted.Add(await CliProcess.RunAsync(args, null, ct));
        }
        var refused = await CliProcess.RunAsync(args, null, ct);

        Assert.All(admitted, outcome => Assert.True(outcome.ExitCode == ExitCodes.Ok, outcome.ToString()));
        Assert.True(refused.ExitCode == ExitCodes.RateLimited, refused.ToString());
        Assert.Contains("429", refused.Stderr, StringComparison.Ordinal);
        Assert.Contains("Try again in", refused.Stderr, StringComparison.Ordinal);
    }
}
