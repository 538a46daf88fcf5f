using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Consilium.Council;
using Consilium.Deploy.Tests.Support;

namespace Consilium.Deploy.Tests;

/// <summary>docker-compose.yml: the whole system on one Docker host (docs/deploy.md#docker-compose).</summary>
public sealed partial class ComposeTests
{
    private static readonly ComposeFile Compose = ComposeFile.Instance;
    private static readonly IReadOnlyDictionary<string, JsonObject> Services = Compose.Services;

    [Fact]
    public void Agents_OneServicePerRosterSeat_NamedAgentIdWithMatchingAgentId()
    {
        var agents = Services
            .Where(service => ComposeFile.Environment(service.Value).ContainsKey("AGENT_ID"))
            .ToDictionary(service => service.Key, service => ComposeFile.Environment(service.Value)["AGENT_ID"]);

        Assert.Equal(Roster.Ids.Select(id => "agent-" + id).Order(StringComparer.Ordinal), agents.Keys.Order(StringComparer.Ordinal));
        Assert.All(agents, agent => Assert.Equal("agent-" + agent.Value, agent.Key));
        // One image for all ten; AGENT_ID picks the persona.
        Assert.Single(agents.Keys.Select(name => Services[name]["image"]!.ToString()).Distinct());
        Assert.All(agents.Keys, name => Assert.Equal("Consilium.Agent", BuildProject(Services[name])));
    }

    [Fact]
    public void Ports_OnlyTheGatewayPublishes_OnConsiliumPortOfTheLoopbackByDefault()
    {
        var published = Services.Where(service => service.Value["ports"] is not null).Select(service => service.Key);
        Assert.Equal(["gateway"], published);
        var mapping = Assert.Single(Yaml.Strings(Services["gateway"]["ports"]));
        Assert.Equal("${CONSILIUM_BIND:-127.0.0.1}:${CONSILIUM_PORT:-8080}:8080", mapping);
        // A laptop does not publish the council to its whole network unless asked to.
        Assert.Equal("127.0.0.1:8080:8080", ComposeFile.Interpolate(mapping));
        Assert.Equal("0.0.0.0:9090:8080", ComposeFile.Interpolate(mapping, new Dictionary<string, string> { ["CONSILIUM_BIND"] = "0.0.0.0", ["CONSILIUM_PORT"] = "9090" }));
    }

    [Fact]
    public void HealthChecks_EveryDotnetService_RunsItsOwnBinaryWithHealthCheck()
    {
        // The image's apphost is /app/service (WORKDIR /app, ENTRYPOINT ./service): no shell is needed to run it.
        var runtime = Dockerfile.Instance.InStage(Dockerfile.Instance.LastStage);
        Assert.Contains(runtime, instruction => instruction.Keyword == "WORKDIR" && instruction.Arguments == "/app");
        Assert.Contains(runtime, instruction => instruction.Keyword == "ENTRYPOINT" && instruction.Arguments == "[\"./service\"]");
        foreach (var (name, service) in Services.Where(service => service.Value["build"] is not null))
        {
            var check = service["healthcheck"];
            Assert.True(check is not null, $"{name} has no healthcheck.");
            Assert.Equal(["CMD", "/app/service", Consilium.ServiceDefaults.HealthCheckCommand.Argument], Yaml.Strings(check["test"]));
            // Compose kills a check that outlives its timeout; the probe gives up first and says why.
            Assert.True(Seconds(check["timeout"]?.ToString()) > Consilium.ServiceDefaults.HealthCheckCommand.Timeout.TotalSeconds,
                $"{name}: the healthcheck timeout must be longer than the probe's own ({Consilium.ServiceDefaults.HealthCheckCommand.Timeout.TotalSeconds} s).");
        }
    }

    [Fact]
    public void Secrets_RequiredFromTheEnvironment_NeverWrittenDown()
    {
        foreach (var (name, service) in Services)
        {
            foreach (var (variable, value) in ComposeFile.Environment(service).Where(pair => IsSecret(pair.Key)))
            {
                var required = variable is "CONSILIUM_SECRET" or "INTERNAL_KEY";
                var pattern = required ? @"^\$\{" + variable + @":\?[^}]+\}$" : @"^\$\{" + variable + @"(:-)?\}$";
                Assert.True(value is not null && Regex.IsMatch(value, pattern),
                    $"{name}: {variable} must be {(required ? "${" + variable + ":?message}" : "${" + variable + ":-}")}, not '{value}'.");
                if (required)
                {
                    var missing = Assert.Throws<InvalidOperationException>(() => ComposeFile.Interpolate(value!));
                    Assert.Contains(variable, missing.Message, StringComparison.Ordinal);
                }
            }
        }
    }

    [Fact]
    public void Secrets_EachServiceGetsOnlyTheOnesItUses()
    {
        foreach (var (name, service) in Services)
        {
            var environment = ComposeFile.Environment(service);
            var project = BuildProject(service);
            var callsModel = project is "Consilium.Orchestrator" or "Consilium.Agent";
            Assert.True(environment.ContainsKey("CONSILIUM_SECRET") == project is "Consilium.Orchestrator", $"{name}: only the orchestrator checks CONSILIUM_SECRET.");
            Assert.True(environment.ContainsKey("INTERNAL_KEY") == callsModel, $"{name}: only the orchestrator and the agents use INTERNAL_KEY.");
            Assert.True(environment.ContainsKey("ANTHROPIC_API_KEY") == callsModel, $"{name}: only the agents and the orchestrator's synthesis call use ANTHROPIC_API_KEY.");
        }
    }

    [Fact]
    public void Wiring_EveryUrl_NamesAComposeServiceOnPort8080()
    {
        var orchestrators = Services.Where(service => BuildProject(service.Value) == "Consilium.Orchestrator").Select(service => service.Key).ToList();
        Assert.True(orchestrators.Count >= 2, "Compose runs at least two orchestrator replicas, so resume and shared rate limits are exercised.");

        var gateway = ComposeFile.Environment(Services["gateway"]);
        var replicas = gateway["ORCHESTRATOR_URLS"]!.Split(',').Select(url => new Uri(url)).ToList();
        Assert.Equal(orchestrators.Order(StringComparer.Ordinal), replicas.Select(url => url.Host).Order(StringComparer.Ordinal));
        Assert.All(replicas, url => Assert.Equal(8080, url.Port));

        foreach (var orchestrator in orchestrators)
        {
            var environment = ComposeFile.Environment(Services[orchestrator]);
            foreach (var id in Roster.Ids)
            {
                var agent = new Uri(environment["AGENT_URL_TEMPLATE"]!.Replace("{id}", id, StringComparison.Ordinal));
                Assert.True(Services.TryGetValue(agent.Host, out var service), $"AGENT_URL_TEMPLATE names {agent.Host}, which is not a service.");
                Assert.Equal(id, ComposeFile.Environment(service)["AGENT_ID"]);
                Assert.Equal(8080, agent.Port);
            }
            var redis = new Uri(environment["REDIS_URL"]!);
            Assert.Equal("redis", redis.Scheme);
            Assert.Contains(redis.Host, Services.Keys);
            Assert.Equal(6379, redis.Port);
        }

        foreach (var (name, service) in Services)
        {
            if (ComposeFile.Environment(service).TryGetValue("MODEL_SIMULATOR_URL", out var simulator))
            {
                var url = new Uri(simulator!);
                Assert.True(Services.TryGetValue(url.Host, out var target) && BuildProject(target) == "Consilium.ModelSimulator",
                    $"{name}: MODEL_SIMULATOR_URL names {url.Host}, which is not the model simulator service.");
                Assert.Equal(8080, url.Port);
            }
        }
    }

    [Fact]
    public void DependsOn_EveryDependency_WaitedForUntilHealthy()
    {
        foreach (var (name, service) in Services)
        {
            foreach (var (dependency, condition) in service["depends_on"]?.AsObject() ?? [])
            {
                Assert.True(Services.ContainsKey(dependency), $"{name} depends on {dependency}, which is not a service.");
                var wanted = condition?["condition"]?.ToString();
                Assert.True(wanted is "service_healthy" && Services[dependency]["healthcheck"] is not null,
                    $"{name} waits for {dependency} to be '{wanted}'; it should wait for service_healthy, which needs a healthcheck on {dependency}.");
            }
        }
        // The chain the calls follow: gateway → orchestrators → agents (and Redis) → simulator.
        Assert.Equal(["orchestrator-1", "orchestrator-2"], Services["gateway"]["depends_on"]!.AsObject().Select(pair => pair.Key).Order(StringComparer.Ordinal));
        Assert.Contains("redis", Services["orchestrator-1"]["depends_on"]!.AsObject().Select(pair => pair.Key));
    }

    [Fact]
    public async Task Tls_Gateway_PublishesOnlyItsHttpsPortOnConsiliumBind()
    {
        var gateway = (await TlsCompose()).Services["gateway"];
        Assert.Equal(["127.0.0.1:8443:8443"], Yaml.Strings(gateway["ports"]));
        var environment = ComposeFile.Environment(gateway);
        Assert.Equal("https://+:8443", environment["ASPNETCORE_URLS"]);
        Assert.Equal("", environment["ASPNETCORE_HTTP_PORTS"]);

        var bound = await TlsCompose(new() { ["CONSILIUM_BIND"] = "0.0.0.0", ["CONSILIUM_PORT"] = "443" });
        Assert.Equal(["0.0.0.0:443:8443"], Yaml.Strings(bound.Services["gateway"]["ports"]));
    }

    [Fact]
    public async Task Tls_Gateway_ReadsChainAndKeyFromTheMountedFolderReadOnly()
    {
        var gateway = (await TlsCompose()).Services["gateway"];
        var mount = Assert.Single(gateway["volumes"]!.AsArray())!;
        Assert.Equal("bind", mount["type"]!.ToString());
        Assert.Equal(CertificateFolder, mount["source"]!.ToString());
        Assert.True(mount["read_only"]!.GetValue<bool>());
        Assert.False(mount["bind"]!["create_host_path"]!.GetValue<bool>());
        var target = mount["target"]!.ToString();
        var environment = ComposeFile.Environment(gateway);
        Assert.Equal($"{target}/tls.crt", environment["CONSILIUM_TLS_CERT"]);
        Assert.Equal($"{target}/tls.key", environment["CONSILIUM_TLS_KEY"]);
        // Still hardened as in docker-compose.yml, and still health-checked (the probe follows the gateway onto TLS).
        Assert.True(gateway["read_only"]!.GetValue<bool>());
        Assert.Equal("/app/service", Yaml.Strings(gateway["healthcheck"]!["test"])[1]);
    }

    [Fact]
    public async Task Tls_Orchestrators_AllowTheHttpsOriginOfThePage()
    {
        var compose = await TlsCompose();
        foreach (var orchestrator in compose.Services.Where(service => BuildProject(service.Value) == "Consilium.Orchestrator"))
        {
            Assert.Equal("https://localhost:8443,https://127.0.0.1:8443", ComposeFile.Environment(orchestrator.Value)["ALLOWED_ORIGINS"]);
        }
    }

    [Fact]
    public async Task Tls_Variables_EveryNameSet_IsReadByAService()
    {
        foreach (var (name, service) in (await TlsCompose()).Services.Where(service => service.Value["build"] is not null))
        {
            var unknown = ComposeFile.Environment(service).Keys.Where(variable => !ServiceVariables.IsRead(variable)).ToList();
            Assert.True(unknown.Count == 0, $"{name} sets {string.Join(", ", unknown)} in {ComposeFile.TlsPath}, which no service reads.");
        }
    }

    [Fact]
    public void Networks_EverythingButTheGatewayEdge_IsInternal()
    {
        var networks = Compose.Root["networks"]!.AsObject();
        var isolated = networks.Where(network => network.Value?["internal"]?.GetValue<bool>() == true).Select(network => network.Key).ToList();
        var internalNetwork = Assert.Single(isolated);
        foreach (var (name, service) in Services)
        {
            var joined = Yaml.Strings(service["networks"]);
            Assert.Contains(internalNetwork, joined);
            // Only the published gateway and the services that may call a real model API have a route out.
            var routed = joined.Where(network => network != internalNetwork).ToList();
            var allowed = BuildProject(service) is "Consilium.Gateway" or "Consilium.Agent" or "Consilium.Orchestrator";
            Assert.True(routed.Count == 0 || allowed, $"{name} joins {string.Join(", ", routed)}, but only needs the internal network.");
        }
        var edge = Yaml.Strings(Services["gateway"]["networks"]).Except([internalNetwork]).ToList();
        Assert.NotEmpty(edge);
        Assert.All(Services.Where(service => service.Key != "gateway"), service =>
            Assert.Empty(Yaml.Strings(service.Value["networks"]).Intersect(edge)));
    }

    [Fact]
    public void DotnetServices_Hardened_ReadOnlyNoCapabilitiesAndDrainTime()
    {
        foreach (var (name, service) in Services.Where(service => service.Value["build"] is not null))
        {
            Assert.True(service["read_only"]?.GetValue<bool>() == true, $"{name}: read_only must be true.");
            Assert.Contains("/tmp", Yaml.Strings(service["tmpfs"]));
            Assert.Contains("ALL", Yaml.Strings(service["cap_drop"]));
            Assert.Contains("no-new-privileges:true", Yaml.Strings(service["security_opt"]));
            Assert.Null(service["user"]);
            Assert.Null(service["privileged"]);
            // An agent's answer may take its whole total timeout (180 s) to stream.
            var grace = Seconds(service["stop_grace_period"]?.ToString());
            Assert.True(grace > 180, $"{name}: stop_grace_period must outlast the 180 s agent timeout (is {grace} s).");
            var shutdown = int.Parse(ComposeFile.Environment(service)["DOTNET_SHUTDOWNTIMEOUTSECONDS"]!, System.Globalization.CultureInfo.InvariantCulture);
            Assert.InRange(shutdown, 180, grace - 1);
        }
    }

    [Fact]
    public void Builds_EveryServiceProject_BuiltFromTheDockerfileAsItsImage()
    {
        var builds = Services.Values.Where(service => service["build"] is not null).ToList();
        Assert.All(builds, service =>
        {
            Assert.Equal(".", service["build"]!["context"]!.ToString());
            Assert.Equal(Dockerfile.Path, service["build"]!["dockerfile"]!.ToString());
            var project = BuildProject(service)!;
            Assert.True(File.Exists(Repository.PathOf(ServiceProjects.ProjectFile(project))), $"PROJECT={project} has no {ServiceProjects.ProjectFile(project)}.");
            var image = ComposeFile.Interpolate(service["image"]!.ToString());
            Assert.Equal(ServiceProjects.Images[project], image[..image.LastIndexOf(':')]);
        });
        Assert.Equal(ServiceProjects.InRepository, builds.Select(BuildProject).Distinct().Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Variables_EveryNameSet_IsReadByAService()
    {
        foreach (var (name, service) in Services.Where(service => service.Value["build"] is not null))
        {
            var unknown = ComposeFile.Environment(service).Keys.Where(variable => !ServiceVariables.IsRead(variable)).ToList();
            Assert.True(unknown.Count == 0, $"{name} sets {string.Join(", ", unknown)}, which no service reads.");
        }
    }

    [Fact]
    public void Interpolation_WithTheRequiredSecretsSet_ResolvesEveryValue()
    {
        var shell = new Dictionary<string, string> { ["CONSILIUM_SECRET"] = "s", ["INTERNAL_KEY"] = "k" };
        var values = Services.Values.SelectMany(service => ComposeFile.Environment(service).Values).Select(value => value ?? "");
        Assert.All(values, value => Assert.DoesNotContain("${", ComposeFile.Interpolate(value, shell), StringComparison.Ordinal));
        Assert.Equal("http://localhost:8080,http://127.0.0.1:8080",
            ComposeFile.Interpolate(ComposeFile.Environment(Services["orchestrator-1"])["ALLOWED_ORIGINS"]!, shell));
    }

    [Theory]
    [InlineData(ComposeFile.Path)]
    [InlineData(ComposeFile.TlsPath)]
    public void Interpolation_EveryDollarOutsideComments_IsABracedReference(string file)
    {
        // Compose interpolates every value, error messages included: a shell-style $(...) or $NAME there breaks the file.
        var lines = Repository.Read(file).ReplaceLineEndings("\n").Split('\n')
            .Select((line, index) => (Text: line, Number: index + 1))
            .Where(line => !line.Text.TrimStart().StartsWith('#'));
        Assert.All(lines, line => Assert.False(StrayDollar().IsMatch(line.Text), $"{file}:{line.Number} has a '$' that is not ${{NAME...}}: {line.Text.Trim()}"));
    }

    private const string CertificateFolder = "/srv/consilium-tls";

    /// <summary>docker-compose.yml with docker-compose.tls.yml over it, as Compose v2 merges them.</summary>
    private static Task<ComposeFile> TlsCompose(Dictionary<string, string?>? shell = null)
    {
        var environment = new Dictionary<string, string?>
        {
            ["CONSILIUM_SECRET"] = "s",
            ["INTERNAL_KEY"] = "k",
            ["CONSILIUM_TLS_DIR"] = CertificateFolder,
            ["CONSILIUM_BIND"] = null,
            ["CONSILIUM_PORT"] = null,
            ["ALLOWED_ORIGINS"] = null,
        };
        foreach (var (name, value) in shell ?? [])
        {
            environment[name] = value;
        }
        return ComposeFile.MergedAsync(environment, ComposeFile.Path, ComposeFile.TlsPath);
    }

    private static string? BuildProject(JsonObject service) => service["build"]?["args"]?["PROJECT"]?.ToString();

    private static bool IsSecret(string variable) =>
        variable is "CONSILIUM_SECRET" or "INTERNAL_KEY" or "ANTHROPIC_API_KEY" || variable.StartsWith("INTERNAL_KEY_", StringComparison.Ordinal);

    private static int Seconds(string? duration) =>
        duration is not null && duration.EndsWith('s') && int.TryParse(duration[..^1], out var seconds) ? seconds
        : throw new Xunit.Sdk.XunitException($"The duration '{duration}' is not written in whole seconds (e.g. 200s).");

    [GeneratedRegex(@"\$(?![{$])")]
    private static partial Regex StrayDollar();
}
