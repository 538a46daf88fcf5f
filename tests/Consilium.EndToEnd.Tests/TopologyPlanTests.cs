using Consilium.Council;
using Consilium.Local.Topology;

namespace Consilium.EndToEnd.Tests;

/// <summary>How the launcher wires the services together (docs/configuration.md, docs/architecture.md#running-it-locally), without starting any.</summary>
public sealed class TopologyPlanTests
{
    private const int GatewayPort = 18080;

    [Fact]
    public void Create_NothingSet_GeneratesSecretsAndWiresEveryService()
    {
        var plan = Plan();

        Assert.Equal(["model-simulator", .. Roster.Ids.Select(id => "agent-" + id), "orchestrator", "gateway"], plan.Services.Select(s => s.Name));
        Assert.Equal(plan.Services.Count, plan.Services.Select(s => s.Port).Distinct().Count());
        Assert.True(plan.Secret.Length >= 40, "a generated secret carries at least 256 bits");
        Assert.NotEqual(plan.Secret, plan.InternalKey);
        Assert.NotEqual(plan.Secret, Plan().Secret);

        var orchestrator = plan.Orchestrator.Environment;
        Assert.Equal(plan.Secret, orchestrator["CONSILIUM_SECRET"]);
        Assert.Equal(plan.InternalKey, orchestrator["INTERNAL_KEY"]);
        Assert.Equal(
            string.Join(',', Roster.Ids.Select(id => $"{id}=http://127.0.0.1:{plan.Agent(id).Port}")),
            orchestrator["AGENT_URLS"]);
        Assert.Equal($"http://127.0.0.1:{plan.Simulator!.Port}", orchestrator["MODEL_SIMULATOR_URL"]);

        Assert.Equal($"http://127.0.0.1:{plan.Orchestrator.Port}", plan.Gateway.Environment["ORCHESTRATOR_URLS"]);
        Assert.Equal($"http://127.0.0.1:{GatewayPort}", plan.Gateway.Environment["ASPNETCORE_URLS"]);
        Assert.Equal($"http://127.0.0.1:{GatewayPort},http://localhost:{GatewayPort}", plan.Gateway.Environment["ALLOWED_ORIGINS"]);
        foreach (var id in Roster.Ids)
        {
            var agent = plan.Agent(id).Environment;
            Assert.Equal(id, agent["AGENT_ID"]);
            Assert.Equal(plan.InternalKey, agent["INTERNAL_KEY"]);
            Assert.Equal(orchestrator["MODEL_SIMULATOR_URL"], agent["MODEL_SIMULATOR_URL"]);
        }
    }

    [Fact]
    public void Create_VariablesSet_KeepsThemAndPrintsTheFirstSecret()
    {
        var plan = Plan(new()
        {
            ["CONSILIUM_SECRET"] = "new-secret, old-secret",
            ["INTERNAL_KEY"] = "internal",
            ["ALLOWED_ORIGINS"] = "https://council.example",
        });

        Assert.Equal("new-secret", plan.Secret);
        Assert.Equal("new-secret, old-secret", plan.Orchestrator.Environment["CONSILIUM_SECRET"]);
        Assert.Equal("internal", plan.InternalKey);
        Assert.Equal("https://council.example", plan.Gateway.Environment["ALLOWED_ORIGINS"]);
        Assert.Equal("https://council.example", plan.Orchestrator.Environment["ALLOWED_ORIGINS"]);
    }

    [Fact]
    public void Create_ApiKeySet_StartsNoSimulator()
    {
        var plan = Plan(new() { ["ANTHROPIC_API_KEY"] = "sk-ant-test" });

        Assert.Null(plan.Simulator);
        Assert.Equal(12, plan.Services.Count);
        Assert.DoesNotContain("MODEL_SIMULATOR_URL", plan.Agent("vasquez").Environment.Keys);
        Assert.Equal("sk-ant-test", plan.Agent("vasquez").Environment["ANTHROPIC_API_KEY"]);
    }

    [Fact]
    public void Create_Secrets_ReachOnlyTheServicesThatUseThem()
    {
        var plan = Plan(new() { ["INTERNAL_KEY_CHEN"] = "chen-only", ["ANTHROPIC_API_KEY"] = null });

        Withheld(plan.Agent("chen"), "CONSILIUM_SECRET");
        Withheld(plan.Simulator!, "CONSILIUM_SECRET", "INTERNAL_KEY", "INTERNAL_KEY_CHEN", "ANTHROPIC_API_KEY");
        Withheld(plan.Gateway, "CONSILIUM_SECRET", "INTERNAL_KEY", "INTERNAL_KEY_CHEN", "ANTHROPIC_API_KEY");
        Assert.Equal("chen-only", plan.Agent("chen").Environment["INTERNAL_KEY_CHEN"]);
        Assert.Equal("chen-only", plan.Orchestrator.Environment["INTERNAL_KEY_CHEN"]);
    }

    [Fact]
    public void Create_GatewayContentRoot_PassedAsArgument()
    {
        var plan = TopologyPlan.Create(new TopologyOptions
        {
            GatewayPort = GatewayPort,
            GatewayContentRoot = "/srv/gateway",
            Inherited = _ => null,
        });

        Assert.Equal(["--contentRoot", "/srv/gateway"], plan.Gateway.Arguments);
        Assert.Empty(plan.Orchestrator.Arguments);
    }

    private static void Withheld(ServiceSpec service, params string[] names)
    {
        foreach (var name in names)
        {
            Assert.True(service.Environment.TryGetValue(name, out var value) && value is null,
                $"{service.Name} should have {name} removed from its environment");
        }
    }

    private static TopologyPlan Plan(Dictionary<string, string?>? environment = null)
    {
        var next = 20000;
        return TopologyPlan.Create(new TopologyOptions
        {
            GatewayPort = GatewayPort,
            Environment = environment ?? [],
            Inherited = _ => null, // not the test machine's environment
            FreePort = () => next++,
        });
    }
}
