using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Consilium.Council;

namespace Consilium.Orchestrator.Tests;

public sealed class AgentsListTests(CouncilFixture council)
{
    [Fact]
    public async Task GetAgents_ListsTheTenSeatsInRosterOrderWithEachOnesHealth()
    {
        var ct = TestContext.Current.CancellationToken;
        using var client = council.CreateClient();

        // The prober runs every 200 ms here; poll until the live agents have been seen.
        var started = TimeProvider.System.GetTimestamp();
        JsonElement agents;
        while (true)
        {
            using var response = await client.GetAsync("/api/agents", ct);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            agents = (await response.Content.ReadFromJsonAsync<JsonElement>(ct)).GetProperty("agents");
            var healthy = agents.EnumerateArray().Where(a => a.GetProperty("healthy").GetBoolean()).Select(a => a.GetProperty("id").GetString());
            if (healthy.Order().SequenceEqual(CouncilFixture.LiveAgents.Order()))
            {
                break;
            }
            Assert.True(TimeProvider.System.GetElapsedTime(started) < TimeSpan.FromSeconds(10), $"live agents never all healthy, or others healthy: {agents}");
            await Task.Delay(100, ct);
        }

        Assert.Equal(Roster.Ids, agents.EnumerateArray().Select(a => a.GetProperty("id").GetString()));
        foreach (var (agent, profile) in agents.EnumerateArray().Zip(Roster.All))
        {
            Assert.Equal(profile.Name, agent.GetProperty("name").GetString());
            Assert.Equal(profile.Domain, agent.GetProperty("domain").GetString());
            Assert.Equal(profile.Summary, agent.GetProperty("summary").GetString());
            Assert.Equal(CouncilFixture.LiveAgents.Contains(profile.Id), agent.GetProperty("healthy").GetBoolean());
        }
    }
}
