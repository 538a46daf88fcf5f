using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Consilium.Agent.Tests.Hosting;

namespace Consilium.Agent.Tests.Api;

public sealed class HealthTests(SimulatorHost simulator) : IDisposable
{
    private readonly AgentHost _agent = AgentHost.Start(simulator, ("AGENT_ID", "cross"));

    public void Dispose() => _agent.Dispose();

    [Fact]
    public async Task Health_PersonaEmbedded_IsHealthyWithoutAKey()
    {
        using var response = await _agent.Http.GetAsync("/health", TestContext.Current.CancellationToken);
        var body = await response.Content.ReadFromJsonAsync<JsonElement>(TestContext.Current.CancellationToken);

        Assert.True(response.StatusCode == HttpStatusCode.OK, body.ToString());
        Assert.Equal("Healthy", body.GetProperty("checks").GetProperty("persona").GetProperty("status").GetString());
    }

    [Fact]
    public async Task Alive_Always_Returns200()
    {
        using var response = await _agent.Http.GetAsync("/alive", TestContext.Current.CancellationToken);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }
}
