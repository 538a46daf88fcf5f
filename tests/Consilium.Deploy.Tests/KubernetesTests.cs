using System.Text.Json.Nodes;
using Consilium.Council;
using Consilium.Deploy.Tests.Support;
using static Consilium.Deploy.Tests.Support.Manifests;

namespace Consilium.Deploy.Tests;

/// <summary>deploy/k8s as the cluster would receive it: each overlay rendered with <c>kubectl kustomize</c>.</summary>
public sealed class KubernetesTests
{
    private const string Local = "deploy/k8s/overlays/local";
    private const string Production = "deploy/k8s/overlays/production";
    private const string SecretName = "consilium-secrets";

    /// <summary>An agent may stream for its whole total timeout (CONTRACT §4: 180 s).</summary>
    private const int AgentTotalTimeoutSeconds = 180;

    public static TheoryData<string> Overlays() => [Local, Production];

    [Theory]
    [MemberData(nameof(Overlays))]
    public async Task Agents_TenDeployments_OnePerRosterIdWithItsAgentId(string overlay)
    {
        var manifests = await Kustomize.RenderAsync(overlay);
        var agents = AgentDeployments(manifests);

        var ids = agents.Select(agent => Environment(Containers(agent).Single())["AGENT_ID"]["value"]!.ToString()).ToList();
        Assert.Equal(Roster.Ids.Order(StringComparer.Ordinal), ids.Order(StringComparer.Ordinal));
        Assert.All(agents, agent =>
        {
            var id = Environment(Containers(agent).Single())["AGENT_ID"]["value"]!.ToString();
            Assert.Equal("agent-" + id, Name(agent));
            Assert.Equal("consilium/agent", ImageRepository(Containers(agent).Single()));
        });
    }

    [Theory]
    [MemberData(nameof(Overlays))]
    public async Task AgentUrlTemplate_EveryRosterId_ResolvesToAServiceSelectingOnlyThatAgent(string overlay)
    {
        var manifests = await Kustomize.RenderAsync(overlay);
        var template = manifests.ConfigValue("AGENT_URL_TEMPLATE");
        var agents = AgentDeployments(manifests);
        foreach (var id in Roster.Ids)
        {
            var url = new Uri(template.Replace("{id}", id, StringComparison.Ordinal));
            var service = manifests.Single("Service", url.Host);
            var deployment = Assert.Single(manifests.Deployments, deployment => ServiceSelects(service, deployment));
            Assert.Equal(id, Environment(Containers(deployment).Single())["AGENT_ID"]["value"]!.ToString());
            Assert.Contains(deployment, agents);
            AssertServesPort(service, deployment, url.Port);
        }
    }

    [Theory]
    [MemberData(nameof(Overlays))]
    public async Task Containers_EveryOne_HardenedWithProbesResourcesAndWritableTmp(string overlay)
    {
        var manifests = await Kustomize.RenderAsync(overlay);
        foreach (var deployment in manifests.Deployments)
        {
            var pod = PodSpec(deployment);
            Assert.False(pod["automountServiceAccountToken"]?.GetValue<bool>() ?? true, $"{Name(deployment)}: no service account token is needed.");
            foreach (var container in Containers(deployment))
            {
                var where = $"{Name(deployment)}/{container["name"]}";
                var security = container["securityContext"];
                Assert.True(security?["allowPrivilegeEscalation"]?.GetValue<bool>() == false, $"{where}: allowPrivilegeEscalation must be false.");
                Assert.True(security?["readOnlyRootFilesystem"]?.GetValue<bool>() == true, $"{where}: readOnlyRootFilesystem must be true.");
                Assert.True((security?["runAsNonRoot"] ?? pod["securityContext"]?["runAsNonRoot"])?.GetValue<bool>() == true, $"{where}: runAsNonRoot must be true.");
                Assert.True((security?["runAsUser"] ?? pod["securityContext"]?["runAsUser"])?.GetValue<long>() > 0, $"{where}: runAsUser must name a non-root user.");
                Assert.Contains("ALL", Yaml.Strings(security?["capabilities"]?["drop"]));
                Assert.Null(security?["capabilities"]?["add"]);
                Assert.Equal("RuntimeDefault", (security?["seccompProfile"] ?? pod["securityContext"]?["seccompProfile"])?["type"]?.ToString());

                foreach (var bound in new[] { "requests", "limits" })
                {
                    Assert.True(container["resources"]?[bound]?["cpu"] is not null && container["resources"]?[bound]?["memory"] is not null,
                        $"{where}: resources.{bound} must set cpu and memory.");
                }

                foreach (var probe in new[] { "startupProbe", "readinessProbe", "livenessProbe" })
                {
                    Assert.True(container[probe] is not null, $"{where}: {probe} is missing.");
                }
                if (IsConsiliumImage(container))
                {
                    Assert.Equal("/health", container["readinessProbe"]!["httpGet"]?["path"]?.ToString());
                    Assert.Equal("/alive", container["livenessProbe"]!["httpGet"]?["path"]?.ToString());
                    Assert.Equal("/alive", container["startupProbe"]!["httpGet"]?["path"]?.ToString());
                    foreach (var probe in new[] { "startupProbe", "readinessProbe", "livenessProbe" })
                    {
                        Assert.Equal(8080, ContainerPort(container, container[probe]!["httpGet"]!["port"]!));
                    }
                }

                var tmp = (container["volumeMounts"]?.AsArray() ?? []).SingleOrDefault(mount => mount!["mountPath"]!.ToString() == "/tmp");
                Assert.True(tmp is not null, $"{where}: a read-only root filesystem needs a writable /tmp.");
                var volume = pod["volumes"]!.AsArray().Single(entry => entry!["name"]!.ToString() == tmp["name"]!.ToString());
                Assert.NotNull(volume!["emptyDir"]);
            }
        }
    }

    [Theory]
    [MemberData(nameof(Overlays))]
    public async Task Secrets_OrchestratorAndAgents_ReadThemFromTheSecretNeverFromLiterals(string overlay)
    {
        var manifests = await Kustomize.RenderAsync(overlay);
        Assert.Empty(manifests.OfKind("Secret"));

        foreach (var deployment in manifests.Deployments)
        {
            foreach (var (name, entry) in Containers(deployment).SelectMany(container => Environment(container)))
            {
                if (name is "CONSILIUM_SECRET" or "INTERNAL_KEY" or "ANTHROPIC_API_KEY" || name.StartsWith("INTERNAL_KEY_", StringComparison.Ordinal))
                {
                    Assert.True(entry["value"] is null, $"{Name(deployment)}: {name} must come from the Secret, not a literal.");
                    Assert.Equal(SecretName, entry["valueFrom"]?["secretKeyRef"]?["name"]?.ToString());
                    Assert.Equal(name, entry["valueFrom"]!["secretKeyRef"]!["key"]!.ToString());
                }
            }
        }

        var orchestrator = Environment(Containers(manifests.Single("Deployment", "orchestrator")).Single());
        Assert.Contains("CONSILIUM_SECRET", orchestrator.Keys);
        Assert.Contains("INTERNAL_KEY", orchestrator.Keys);
        Assert.All(AgentDeployments(manifests), agent => Assert.Contains("INTERNAL_KEY", Environment(Containers(agent).Single()).Keys));
        Assert.DoesNotContain("CONSILIUM_SECRET", Environment(Containers(manifests.Single("Deployment", "gateway")).Single()).Keys);
    }

    [Theory]
    [MemberData(nameof(Overlays))]
    public async Task Configuration_EveryReference_NamesAKeyOfTheRenderedConfigMapAndAVariableAServiceReads(string overlay)
    {
        var manifests = await Kustomize.RenderAsync(overlay);
        var config = Name(manifests.Config);
        foreach (var deployment in manifests.Deployments)
        {
            foreach (var (name, entry) in Containers(deployment).Where(IsConsiliumImage).SelectMany(container => Environment(container)))
            {
                Assert.True(ServiceVariables.IsRead(name), $"{Name(deployment)} sets {name}, which no service reads.");
                if (entry["valueFrom"]?["configMapKeyRef"] is { } reference)
                {
                    Assert.Equal(config, reference["name"]!.ToString());
                    Assert.Equal(name, reference["key"]!.ToString());
                    Assert.True(manifests.Config["data"]?[name] is not null, $"{Name(deployment)} reads {name} from {config}, which has no such key.");
                }
            }
        }
        Assert.All(manifests.Config["data"]!.AsObject(), pair => Assert.True(ServiceVariables.IsRead(pair.Key), $"consilium-config has {pair.Key}, which no service reads."));
    }

    [Theory]
    [MemberData(nameof(Overlays))]
    public async Task Wiring_ServiceUrls_NameServicesThatSelectTheRightPods(string overlay)
    {
        var manifests = await Kustomize.RenderAsync(overlay);
        var orchestrators = new Uri(Assert.Single(manifests.ConfigValue("ORCHESTRATOR_URLS").Split(',')));
        AssertServesPort(manifests.Single("Service", orchestrators.Host), manifests.Single("Deployment", "orchestrator"), orchestrators.Port);

        var redis = new Uri(manifests.ConfigValue("REDIS_URL"));
        AssertServesPort(manifests.Single("Service", redis.Host), manifests.Single("Deployment", "redis"), redis.Port);

        var simulator = new Uri(manifests.ConfigValue("MODEL_SIMULATOR_URL"));
        if (manifests.Find("Deployment", simulator.Host) is { } deployment)
        {
            AssertServesPort(manifests.Single("Service", simulator.Host), deployment, simulator.Port);
        }
    }

    [Theory]
    [MemberData(nameof(Overlays))]
    public async Task NetworkPolicies_EachTier_AdmitsOnlyItsCallers(string overlay)
    {
        var manifests = await Kustomize.RenderAsync(overlay);
        Assert.Contains(manifests.OfKind("NetworkPolicy"), policy =>
            policy["spec"]!["podSelector"]!.AsObject().Count == 0 && policy["spec"]!["ingress"] is null
            && Yaml.Strings(policy["spec"]!["policyTypes"]).Contains("Ingress"));

        AssertOnlyCallers(manifests, manifests.Single("Deployment", "orchestrator"), ["gateway"]);
        AssertOnlyCallers(manifests, manifests.Single("Deployment", "redis"), ["orchestrator"]);
        foreach (var agent in AgentDeployments(manifests))
        {
            AssertOnlyCallers(manifests, agent, ["orchestrator"]);
        }
        if (manifests.Find("Deployment", "model-simulator") is { } simulator)
        {
            AssertOnlyCallers(manifests, simulator, ["orchestrator", .. Roster.Ids.Select(id => "agent-" + id)]);
        }
    }

    [Theory]
    [MemberData(nameof(Overlays))]
    public async Task Orchestrator_AtLeastTwoReplicas_ProtectedByADisruptionBudget(string overlay)
    {
        var manifests = await Kustomize.RenderAsync(overlay);
        var orchestrator = manifests.Single("Deployment", "orchestrator");
        Assert.True(orchestrator["spec"]!["replicas"]!.GetValue<long>() >= 2, "Run at least two orchestrator replicas.");
        var budget = Assert.Single(manifests.OfKind("PodDisruptionBudget"), pdb => Selects(pdb["spec"]!["selector"], PodLabels(orchestrator)));
        Assert.True(budget["spec"]!["minAvailable"]?.GetValue<long>() >= 1 || budget["spec"]!["maxUnavailable"] is not null);
    }

    [Theory]
    [MemberData(nameof(Overlays))]
    public async Task GracePeriods_StreamingServices_OutlastTheAgentTimeout(string overlay)
    {
        var manifests = await Kustomize.RenderAsync(overlay);
        foreach (var deployment in manifests.Deployments.Where(deployment => Containers(deployment).Any(IsConsiliumImage)))
        {
            var grace = PodSpec(deployment)["terminationGracePeriodSeconds"]?.GetValue<long>() ?? 30;
            Assert.True(grace > AgentTotalTimeoutSeconds, $"{Name(deployment)}: terminationGracePeriodSeconds {grace} must outlast the {AgentTotalTimeoutSeconds} s agent timeout.");
            var shutdown = long.Parse(Environment(Containers(deployment).Single())["DOTNET_SHUTDOWNTIMEOUTSECONDS"]["value"]!.ToString(), System.Globalization.CultureInfo.InvariantCulture);
            Assert.InRange(shutdown, AgentTotalTimeoutSeconds, grace - 1);
        }
    }

    [Theory]
    [MemberData(nameof(Overlays))]
    public async Task Namespace_EveryNamespacedObject_InConsilium(string overlay)
    {
        var manifests = await Kustomize.RenderAsync(overlay);
        Assert.Equal("consilium", Name(manifests.Single("Namespace", "consilium")));
        Assert.All(manifests.All.Where(item => Kind(item) != "Namespace"), item =>
            Assert.True(item["metadata"]!["namespace"]?.ToString() == "consilium", $"{Kind(item)} {Name(item)} is not in namespace consilium."));
    }

    [Fact]
    public async Task Local_RunsTheModelSimulator_WithTheProjectImages()
    {
        var manifests = await Kustomize.RenderAsync(Local);
        Assert.NotNull(manifests.Find("Deployment", "model-simulator"));
        var images = manifests.Deployments.SelectMany(Containers).Where(IsConsiliumImage).Select(ImageRepository).ToHashSet(StringComparer.Ordinal);
        Assert.Equal(ServiceProjects.Images.Values.Order(StringComparer.Ordinal), images.Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Production_RealApiKeyFromTheSecret_NoSimulatorAndAPublicLoadBalancer()
    {
        var manifests = await Kustomize.RenderAsync(Production);
        Assert.Null(manifests.Find("Deployment", "model-simulator"));
        Assert.Null(manifests.Find("Service", "model-simulator"));
        foreach (var deployment in AgentDeployments(manifests).Append(manifests.Single("Deployment", "orchestrator")))
        {
            var key = Environment(Containers(deployment).Single())["ANTHROPIC_API_KEY"];
            Assert.Equal(SecretName, key["valueFrom"]!["secretKeyRef"]!["name"]!.ToString());
        }
        var gateway = manifests.Single("Service", "gateway");
        Assert.Equal("LoadBalancer", gateway["spec"]!["type"]!.ToString());
        // The client's own address must reach the gateway as the TCP peer: rate limits are per client IP.
        Assert.Equal("Local", gateway["spec"]!["externalTrafficPolicy"]!.ToString());
        Assert.DoesNotContain(manifests.Deployments.SelectMany(Containers), container => container["image"]!.ToString().StartsWith("consilium/", StringComparison.Ordinal));
    }

    private static List<JsonObject> AgentDeployments(Manifests manifests)
    {
        var agents = manifests.Deployments.Where(deployment => Containers(deployment).Any(container => Environment(container).ContainsKey("AGENT_ID"))).ToList();
        Assert.True(agents.Count == Roster.Ids.Count,
            $"{manifests.Kustomization} renders {agents.Count} agent Deployments ({string.Join(", ", agents.Select(Name))}); the roster has {Roster.Ids.Count} seats.");
        return agents;
    }

    /// <summary>The pods allowed to reach <paramref name="target"/> are exactly the Deployments named.</summary>
    private static void AssertOnlyCallers(Manifests manifests, JsonObject target, IReadOnlyList<string> callers)
    {
        var policies = manifests.OfKind("NetworkPolicy").Where(policy => Selects(policy["spec"]!["podSelector"], PodLabels(target))).ToList();
        var rules = policies.SelectMany(policy => policy["spec"]!["ingress"]?.AsArray() ?? []).ToList();
        Assert.True(rules.Count > 0, $"No NetworkPolicy admits anyone to {Name(target)}.");
        var admitted = new HashSet<string>(StringComparer.Ordinal);
        foreach (var rule in rules)
        {
            var peers = rule!["from"]?.AsArray()
                ?? throw new Xunit.Sdk.XunitException($"A NetworkPolicy admits every peer to {Name(target)}; it should admit only {string.Join(", ", callers)}.");
            foreach (var peer in peers)
            {
                Assert.True(peer!["podSelector"] is not null && peer["namespaceSelector"] is null && peer["ipBlock"] is null,
                    $"{Name(target)} admits a peer outside its own namespace's pods.");
                admitted.UnionWith(manifests.Deployments.Where(deployment => Selects(peer["podSelector"], PodLabels(deployment))).Select(Name));
            }
        }
        Assert.True(admitted.SetEquals(callers),
            $"NetworkPolicies admit {string.Join(", ", admitted.Order(StringComparer.Ordinal))} to {Name(target)}; only {string.Join(", ", callers)} should reach it.");
    }

    /// <summary>The Service selects the Deployment's pods and maps <paramref name="port"/> to a port the container listens on.</summary>
    private static void AssertServesPort(JsonObject service, JsonObject deployment, int port)
    {
        Assert.True(ServiceSelects(service, deployment), $"Service {Name(service)} does not select {Name(deployment)}.");
        var mapping = service["spec"]!["ports"]!.AsArray().SingleOrDefault(entry => entry!["port"]!.GetValue<long>() == port);
        Assert.True(mapping is not null, $"Service {Name(service)} has no port {port}.");
        var target = mapping["targetPort"] ?? mapping["port"]!;
        Assert.Contains(Containers(deployment), container => ContainerPort(container, target) is not null);
    }

    /// <summary>A numeric port, or a named one resolved against the container's ports; null when it has no such port.</summary>
    private static long? ContainerPort(JsonObject container, JsonNode port)
    {
        var ports = (container["ports"]?.AsArray() ?? []).Select(entry => entry!.AsObject()).ToList();
        var match = port.GetValueKind() == System.Text.Json.JsonValueKind.Number
            ? ports.FirstOrDefault(entry => entry["containerPort"]!.GetValue<long>() == port.GetValue<long>())
            : ports.FirstOrDefault(entry => entry["name"]?.ToString() == port.ToString());
        return match?["containerPort"]!.GetValue<long>();
    }

    private static bool IsConsiliumImage(JsonObject container) =>
        ServiceProjects.Images.Values.Contains(ImageRepository(container));

    /// <summary>The image without registry host and tag: consilium/agent for registry.example.com/consilium/agent:1.0.0.</summary>
    private static string ImageRepository(JsonObject container)
    {
        var image = container["image"]!.ToString();
        var name = image.Contains('@', StringComparison.Ordinal) ? image[..image.IndexOf('@', StringComparison.Ordinal)] : image;
        var slash = name.LastIndexOf('/');
        var colon = name.LastIndexOf(':');
        name = colon > slash ? name[..colon] : name;
        var parts = name.Split('/');
        return parts.Length > 2 ? string.Join('/', parts[^2..]) : name;
    }
}
