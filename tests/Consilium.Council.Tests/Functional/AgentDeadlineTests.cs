using System.Net;
using Consilium.Council.Tests.Hosting;
using Consilium.Testing;
using static Consilium.Council.Tests.Functional.CouncilStreamAssertions;

namespace Consilium.Council.Tests.Functional;

/// <summary>A hung agent through the real orchestrator: its own deadlines and COUNCIL_TIMEOUT keep the other answers.</summary>
[Collection(CouncilCollection.Name)]
public sealed class AgentDeadlineTests(CouncilCluster cluster)
{
    private const string Question = "Should a housing association sell its garages for infill homes?";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private Dictionary<string, string?> WithHungChen(HungAgent hung, params (string Name, string? Value)[] overrides)
    {
        var agents = cluster.Agents.ToDictionary(a => a.Key, a => a.Key == "chen" ? hung.BaseAddress : a.Value, StringComparer.Ordinal);
        return ServiceSettings.Orchestrator(CouncilCluster.Secret, CouncilCluster.InternalKey, agents, cluster.Simulator.BaseAddress).With(overrides);
    }

    private static async Task<(SseTranscript Transcript, TimeSpan Took)> AskAsync(Consilium.Testing.ServiceHost<Consilium.Orchestrator.OrchestratorApp> orchestrator)
    {
        using var client = CouncilCluster.CreateClient(orchestrator);
        var started = TimeProvider.System.GetTimestamp();
        using var response = await SseClient.PostAsync(client, "/api/consilium", new { message = Question }, Ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var transcript = await SseClient.ReadToEndAsync(response, Ct);
        return (transcript, TimeProvider.System.GetElapsedTime(started));
    }

    private static void AssertChenTimedOutOthersMapped(SseTranscript transcript, string mentioned)
    {
        AssertWellFormed(transcript);
        var error = Assert.Single(transcript.OfType("agent_error"));
        Assert.Equal("chen", AgentOf(error));
        Assert.Equal("timeout", error.Json.GetProperty("code").GetString());
        Assert.Contains(mentioned, error.Json.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal(Roster.Ids.Where(id => id != "chen").Order(), transcript.OfType("agent_done").Select(AgentOf).Order());
        var map = Assert.Single(transcript.OfType("tension_map")).Json;
        Assert.Equal(["chen"], Strings(map.GetProperty("missing")));
        var done = transcript.Events[^1];
        Assert.Equal("done", done.EventType);
        Assert.Equal(["chen"], Strings(done.Json.GetProperty("failed")));
    }

    [Fact]
    public async Task AskCouncil_AgentAcceptsAndNeverAnswers_AgentErrorTimeoutAfterItsDeadlineAndTheMapOfTheRest()
    {
        await using var hung = new HungAgent();
        await using var orchestrator = cluster.StartOrchestratorWith(WithHungChen(hung,
            ("AGENT_FIRST_TOKEN_TIMEOUT", "1"), ("AGENT_IDLE_TIMEOUT", "1"), ("AGENT_TOTAL_TIMEOUT", "60")));

        var (transcript, took) = await AskAsync(orchestrator);

        Assert.True(hung.Accepted >= 1, "The orchestrator never called the hung agent.");
        AssertChenTimedOutOthersMapped(transcript, "AGENT_");
        // 1 s + the 5 s margin, not COUNCIL_TIMEOUT's 5 minutes (slack for a loaded machine).
        Assert.InRange(took, TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(30));
    }

    [Fact]
    public async Task AskCouncil_CouncilTimeoutStrikesWhileAnAgentHangs_FinishedAnswersKeptMapThenDone()
    {
        await using var hung = new HungAgent();
        await using var orchestrator = cluster.StartOrchestratorWith(WithHungChen(hung, ("COUNCIL_TIMEOUT", "4")));

        var (transcript, took) = await AskAsync(orchestrator);

        AssertChenTimedOutOthersMapped(transcript, "COUNCIL_TIMEOUT");
        Assert.InRange(took, TimeSpan.FromSeconds(3.5), TimeSpan.FromSeconds(30));
    }
}
