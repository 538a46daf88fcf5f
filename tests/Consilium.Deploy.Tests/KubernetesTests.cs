using System.Text.Json.Nodes;
using Consilium.Council;
using Consilium.Deploy.Tests.Support;
using Consilium.ServiceDefaults;
using static Consilium.Deploy.Tests.Support.Manifests;

namespace Consilium.Deploy.Tests;

/// <summary>deploy/k8s as the cluster would receive it: each overlay rendered with <c>kubectl kustomize</c>.</summary>
public sealed class KubernetesTests
{
    public const string Local = "deploy/k8s/overlays/local";
    public const string Production = "deploy/k8s/overlays/production";
    public const string ProductionLoadBalancer = "deploy/k8s/overlays/production-loadbalancer";
    private const string SecretName = "consilium-secrets";
    private const string TlsSecretName = "consilium-tls";

    /// <summary>An agent may stream for its whole total timeout (docs/api.md: 180 s).</summary>
    private const int AgentTotalTimeoutSeconds = 180;

    public static TheoryData<string> Overlays() => [Local, Production, ProductionLoadBalancer];

    public static TheoryData<string> ProductionOverlays() => [Production, ProductionLoadBalancer];

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
                        // Plain HTTP on 8080, or HTTPS on 8443 where the gateway terminates TLS itself.
                        var httpGet = container[probe]!["httpGet"]!;
                        var https = httpGet["scheme"]?.ToString() == "HTTPS";
                        Assert.Equal(https ? 8443 : 8080, ContainerPort(container, httpGet["port"]!));
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

    [Theory]
    [MemberData(nameof(ProductionOverlays))]
    public async Task Production_RealApiKeyFromTheSecret_NoSimulatorAndRegistryImages(string overlay)
    {
        var manifests = await Kustomize.RenderAsync(overlay);
        Assert.Null(manifests.Find("Deployment", "model-simulator"));
        Assert.Null(manifests.Find("Service", "model-simulator"));
        foreach (var deployment in AgentDeployments(manifests).Append(manifests.Single("Deployment", "orchestrator")))
        {
            var key = Environment(Containers(deployment).Single())["ANTHROPIC_API_KEY"];
            Assert.Equal(SecretName, key["valueFrom"]!["secretKeyRef"]!["name"]!.ToString());
        }
        Assert.DoesNotContain(manifests.Deployments.SelectMany(Containers), container => container["image"]!.ToString().StartsWith("consilium/", StringComparison.Ordinal));
        Assert.True(manifests.Single("Deployment", "gateway")["spec"]!["replicas"]!.GetValue<long>() >= 2, "Production runs two gateways at least.");
        Assert.Single(manifests.OfKind("PodDisruptionBudget"), pdb => Selects(pdb["spec"]!["selector"], PodLabels(manifests.Single("Deployment", "gateway"))));
        Assert.StartsWith("https://", manifests.ConfigValue("ALLOWED_ORIGINS"), StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(ProductionOverlays))]
    public async Task Production_NoPlainHttpPortOfConsilium_IsPublic(string overlay)
    {
        var manifests = await Kustomize.RenderAsync(overlay);
        foreach (var service in manifests.OfKind("Service"))
        {
            var type = service["spec"]!["type"]?.ToString() ?? "ClusterIP";
            if (type is "LoadBalancer" or "NodePort")
            {
                Assert.Equal("gateway", Name(service));
                var port = Assert.Single(service["spec"]!["ports"]!.AsArray())!;
                Assert.Equal(443, port["port"]!.GetValue<long>());
                var gateway = Containers(manifests.Single("Deployment", "gateway")).Single();
                Assert.Equal(8443, ContainerPort(gateway, port["targetPort"]!));
                Assert.Equal("https://+:8443", Environment(gateway)["ASPNETCORE_URLS"]["value"]!.ToString());
            }
        }
    }

    [Fact]
    public async Task Production_Ingress_TlsFromCertManagerForEveryHostStreamingUnbuffered()
    {
        var manifests = await Kustomize.RenderAsync(Production);
        Assert.DoesNotContain(manifests.OfKind("Service"), service => service["spec"]!["type"]?.ToString() is "LoadBalancer" or "NodePort");
        var ingress = Assert.Single(manifests.OfKind("Ingress"));
        var annotations = Labels(ingress["metadata"]!["annotations"]);
        Assert.True(annotations.ContainsKey("cert-manager.io/cluster-issuer") || annotations.ContainsKey("cert-manager.io/issuer"),
            "cert-manager issues the certificate (cert-manager.io/cluster-issuer).");
        Assert.Equal("true", annotations["nginx.ingress.kubernetes.io/force-ssl-redirect"]);
        Assert.Equal("off", annotations["nginx.ingress.kubernetes.io/proxy-buffering"]);
        Assert.True(int.Parse(annotations["nginx.ingress.kubernetes.io/proxy-read-timeout"], System.Globalization.CultureInfo.InvariantCulture) > AgentTotalTimeoutSeconds,
            "The ingress must wait longer for the next byte than a council may stream.");

        var tls = Assert.Single(ingress["spec"]!["tls"]!.AsArray())!;
        Assert.Equal(TlsSecretName, tls["secretName"]!.ToString());
        var rules = ingress["spec"]!["rules"]!.AsArray().Select(rule => rule!.AsObject()).ToList();
        Assert.All(rules, rule => Assert.Contains(rule["host"]!.ToString(), Yaml.Strings(tls["hosts"])));
        Assert.Contains(manifests.ConfigValue("ALLOWED_ORIGINS").Split(','), origin => origin == "https://" + rules[0]["host"]);

        var backend = Assert.Single(rules.SelectMany(rule => rule["http"]!["paths"]!.AsArray()))!["backend"]!["service"]!;
        var service = manifests.Single("Service", backend["name"]!.ToString());
        var servicePort = service["spec"]!["ports"]!.AsArray().Single(port => port!["name"]?.ToString() == backend["port"]!["name"]!.ToString())!;
        AssertServesPort(service, manifests.Single("Deployment", "gateway"), (int)servicePort["port"]!.GetValue<long>());
    }

    [Fact]
    public async Task Production_Gateway_BelievesForwardedForOnlyFromTheIngressController()
    {
        var manifests = await Kustomize.RenderAsync(Production);
        var gateway = Containers(manifests.Single("Deployment", "gateway")).Single();
        var trusted = Environment(gateway)["TRUSTED_PROXIES"]["value"]!.ToString();
        Assert.NotEmpty(NetworkList.Parse("TRUSTED_PROXIES", trusted));

        // Only the controller's pods reach the gateway, so a trusted peer is always the controller.
        var policy = manifests.Single("NetworkPolicy", "gateway");
        var peer = Assert.Single(Assert.Single(policy["spec"]!["ingress"]!.AsArray())!["from"]!.AsArray())!;
        Assert.Equal("ingress-nginx", peer["namespaceSelector"]!["matchLabels"]!["kubernetes.io/metadata.name"]!.ToString());
        Assert.NotNull(peer["podSelector"]);
    }

    [Fact]
    public async Task ProductionLoadBalancer_Gateway_TerminatesTlsFromTheMountedCertManagerSecret()
    {
        var manifests = await Kustomize.RenderAsync(ProductionLoadBalancer);
        Assert.Empty(manifests.OfKind("Ingress"));
        var service = manifests.Single("Service", "gateway");
        Assert.Equal("LoadBalancer", service["spec"]!["type"]!.ToString());
        // The client's own address reaches the gateway as the TCP peer: rate limits are per client IP.
        Assert.Equal("Local", service["spec"]!["externalTrafficPolicy"]!.ToString());

        var deployment = manifests.Single("Deployment", "gateway");
        var gateway = Containers(deployment).Single();
        var environment = Environment(gateway);
        var mount = gateway["volumeMounts"]!.AsArray().Single(entry => entry!["name"]!.ToString() == "tls")!;
        Assert.True(mount["readOnly"]!.GetValue<bool>());
        Assert.Null(mount["subPath"]); // a subPath mount never sees a renewal
        var folder = mount["mountPath"]!.ToString();
        Assert.Equal($"{folder}/tls.crt", environment["CONSILIUM_TLS_CERT"]["value"]!.ToString());
        Assert.Equal($"{folder}/tls.key", environment["CONSILIUM_TLS_KEY"]["value"]!.ToString());
        var volume = PodSpec(deployment)["volumes"]!.AsArray().Single(entry => entry!["name"]!.ToString() == "tls")!;
        Assert.Equal(TlsSecretName, volume["secret"]!["secretName"]!.ToString());
        var certificate = Assert.Single(manifests.OfKind("Certificate"));
        Assert.Equal(TlsSecretName, certificate["spec"]!["secretName"]!.ToString());

        var policy = manifests.Single("NetworkPolicy", "gateway");
        Assert.Equal(8443, policy["spec"]!["ingress"]![0]!["ports"]![0]!["port"]!.GetValue<long>());
    }

    [Theory]
    [MemberData(nameof(Overlays))]
    public async Task Agents_TwoReplicasEach_WithTheirOwnDisruptionBudgetAndAutoscaler(string overlay)
    {
        var manifests = await Kustomize.RenderAsync(overlay);
        foreach (var agent in AgentDeployments(manifests))
        {
            Assert.Equal(2, agent["spec"]!["replicas"]!.GetValue<long>());
            var budget = Assert.Single(manifests.OfKind("PodDisruptionBudget"), pdb => Selects(pdb["spec"]!["selector"], PodLabels(agent)));
            Assert.Equal(1, budget["spec"]!["minAvailable"]!.GetValue<long>());
            // The budget covers this seat only: another seat's pods must not count towards it.
            Assert.All(AgentDeployments(manifests).Where(other => other != agent), other => Assert.False(Selects(budget["spec"]!["selector"], PodLabels(other))));
        }
    }

    [Theory]
    [MemberData(nameof(Overlays))]
    public async Task Autoscalers_GatewayOrchestratorAndEveryAgent_ScaleOnCpuFromTheirReplicaCount(string overlay)
    {
        var manifests = await Kustomize.RenderAsync(overlay);
        var scaled = AgentDeployments(manifests).Append(manifests.Single("Deployment", "gateway")).Append(manifests.Single("Deployment", "orchestrator"));
        foreach (var deployment in scaled)
        {
            var autoscaler = Assert.Single(manifests.OfKind("HorizontalPodAutoscaler"), hpa =>
                hpa["spec"]!["scaleTargetRef"]!["kind"]!.ToString() == "Deployment" && hpa["spec"]!["scaleTargetRef"]!["name"]!.ToString() == Name(deployment));
            var spec = autoscaler["spec"]!;
            Assert.Equal(deployment["spec"]!["replicas"]!.GetValue<long>(), spec["minReplicas"]!.GetValue<long>());
            Assert.True(spec["maxReplicas"]!.GetValue<long>() > spec["minReplicas"]!.GetValue<long>());
            Assert.Contains(spec["metrics"]!.AsArray(), metric => metric!["type"]!.ToString() == "Resource" && metric["resource"]!["name"]!.ToString() == "cpu");
            // Removing a replica cuts its streams after a 200 s drain: scale down slowly.
            Assert.True(spec["behavior"]?["scaleDown"]?["stabilizationWindowSeconds"]?.GetValue<long>() >= 300, $"{Name(autoscaler)} scales down too eagerly.");
        }
    }

    [Theory]
    [MemberData(nameof(Overlays))]
    public async Task TopologySpread_EveryConsiliumDeployment_SpreadsItsOwnPodsAcrossNodes(string overlay)
    {
        var manifests = await Kustomize.RenderAsync(overlay);
        foreach (var deployment in manifests.Deployments.Where(deployment => Containers(deployment).Any(IsConsiliumImage) && Name(deployment) != "model-simulator"))
        {
            var constraints = PodSpec(deployment)["topologySpreadConstraints"]?.AsArray().Select(entry => entry!.AsObject()).ToList() ?? [];
            var byNode = constraints.SingleOrDefault(entry => entry["topologyKey"]!.ToString() == "kubernetes.io/hostname");
            Assert.True(byNode is not null, $"{Name(deployment)} does not spread its replicas across nodes.");
            Assert.True(Selects(byNode["labelSelector"], PodLabels(deployment)), $"{Name(deployment)}: the spread must count its own pods.");
            // A seat's replicas are spread among themselves, not merely among all agents.
            Assert.All(manifests.Deployments.Where(other => other != deployment && Containers(other).Any(IsConsiliumImage)),
                other => Assert.False(Selects(byNode["labelSelector"], PodLabels(other)), $"{Name(deployment)}'s spread also counts {Name(other)}'s pods."));
        }
    }

    [Fact]
    public async Task ManagedRedis_Component_NoInClusterRedisAndTheUrlFromASecret()
    {
        var manifests = await Kustomize.RenderWithComponentsAsync(Production, "deploy/k8s/components/managed-redis");
        Assert.Null(manifests.Find("Deployment", "redis"));
        Assert.Null(manifests.Find("Service", "redis"));
        Assert.Null(manifests.Find("NetworkPolicy", "redis"));
        Assert.Null(manifests.Config["data"]!["REDIS_URL"]);
        var url = Environment(Containers(manifests.Single("Deployment", "orchestrator")).Single())["REDIS_URL"];
        Assert.Null(url["valueFrom"]!["configMapKeyRef"]);
        Assert.Equal("consilium-redis", url["valueFrom"]!["secretKeyRef"]!["name"]!.ToString());
        Assert.Equal("REDIS_URL", url["valueFrom"]!["secretKeyRef"]!["key"]!.ToString());
        Assert.DoesNotContain(manifests.All, item => item.ToJsonString().Contains("redis://redis:", StringComparison.Ordinal));
    }

    [Fact]
    public async Task OpenStreamsAutoscaling_Component_EveryAutoscalerAlsoScalesOnOpenStreams()
    {
        var manifests = await Kustomize.RenderWithComponentsAsync(Production, "deploy/k8s/components/open-streams-autoscaling");
        var autoscalers = manifests.OfKind("HorizontalPodAutoscaler").ToList();
        Assert.Equal(Roster.Ids.Count + 2, autoscalers.Count);
        Assert.All(autoscalers, hpa =>
        {
            var metrics = hpa["spec"]!["metrics"]!.AsArray();
            Assert.Contains(metrics, metric => metric!["type"]!.ToString() == "Resource");
            Assert.Contains(metrics, metric => metric!["type"]!.ToString() == "Pods"
                && metric["pods"]!["metric"]!["name"]!.ToString() == "consilium_open_streams"
                && metric["pods"]!["target"]!["type"]!.ToString() == "AverageValue");
        });
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
