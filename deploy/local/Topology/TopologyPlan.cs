using Consilium.Council;
using Consilium.Local.Processes;
using Consilium.Local.Tls;

namespace Consilium.Local.Topology;

/// <summary>What to start and how the services find each other (docs/configuration.md, docs/architecture.md#running-it-locally and docs/configuration.md).</summary>
public sealed record TopologyOptions
{
    /// <summary>Variables set for every service over the inherited environment (a null value removes one).</summary>
    public IReadOnlyDictionary<string, string?> Environment { get; init; } = new Dictionary<string, string?>();

    /// <summary>The environment the services inherit; the plan reads a variable here when <see cref="Environment"/> lacks it.</summary>
    public Func<string, string?> Inherited { get; init; } = System.Environment.GetEnvironmentVariable;

    /// <summary>The gateway's port (<c>CONSILIUM_PORT</c>, already resolved).</summary>
    public required int GatewayPort { get; init; }

    /// <summary>Where the gateway's <c>wwwroot</c> is; null leaves the gateway's own default.</summary>
    public string? GatewayContentRoot { get; init; }

    public Func<int> FreePort { get; init; } = LoopbackPorts.GetFree;

    /// <summary>The gateway's certificate: set, the gateway serves HTTPS only (<c>./run --https</c>, docs/https.md).</summary>
    public GatewayCertificate? GatewayCertificate { get; init; }

    /// <summary>How many orchestrator replicas to run behind the gateway (they need a shared <c>REDIS_URL</c> to share sessions).</summary>
    public int OrchestratorReplicas { get; init; } = 1;

    /// <summary>Variables for one service only, by service name (e.g. its own <c>METRICS_PORT</c>), applied last.</summary>
    public IReadOnlyDictionary<string, IReadOnlyDictionary<string, string?>> PerService { get; init; } =
        new Dictionary<string, IReadOnlyDictionary<string, string?>>();

    /// <summary>
    /// Published builds to run instead of <c>dotnet &lt;assembly&gt;</c>, by entry assembly name (e.g.
    /// <c>Consilium.Agent.dll</c>): a native executable, or a published <c>.dll</c> (<see cref="ServiceSpec.Executable"/>);
    /// <c>./run</c>'s <c>--native</c> and the benchmark's <c>--aot</c> and <c>--r2r</c> (docs/benchmarks.md).
    /// </summary>
    public IReadOnlyDictionary<string, string> NativeExecutables { get; init; } = new Dictionary<string, string>();
}

/// <summary>
/// The services of one local topology: the model simulator (unless <c>ANTHROPIC_API_KEY</c> is set), ten agents,
/// one orchestrator and the gateway, each on its own loopback port, with secrets generated where unset.
/// Every §2 variable reaches the services through the inherited environment; the plan adds the wiring and
/// withholds secrets from the services that have no use for them.
/// </summary>
public sealed class TopologyPlan
{
    public const string SimulatorName = "model-simulator";
    public const string OrchestratorName = "orchestrator";
    public const string GatewayName = "gateway";

    private static readonly string[] InternalKeyVariables =
        ["INTERNAL_KEY", .. Roster.Ids.Select(id => "INTERNAL_KEY_" + id.ToUpperInvariant())];

    private static readonly (string Name, string Value)[] LogDefaults =
    [
        ("Logging__Console__FormatterName", "simple"),
        ("Logging__Console__FormatterOptions__SingleLine", "true"),
        ("Logging__Console__FormatterOptions__TimestampFormat", "HH:mm:ss.fff "),
        ("Logging__LogLevel__Microsoft.AspNetCore", "Warning"),
    ];

    private TopologyPlan(string secret, string internalKey, ServiceSpec? simulator, IReadOnlyList<ServiceSpec> agents, IReadOnlyList<ServiceSpec> orchestrators, ServiceSpec gateway, GatewayCertificate? gatewayCertificate)
    {
        GatewayCertificate = gatewayCertificate;
        Secret = secret;
        InternalKey = internalKey;
        Simulator = simulator;
        Agents = agents;
        Orchestrators = orchestrators;
        Gateway = gateway;
        Services = [.. simulator is null ? [] : new[] { simulator }, .. agents, .. orchestrators, gateway];
    }

    /// <summary>The public bearer secret to print: the first of <c>CONSILIUM_SECRET</c>.</summary>
    public string Secret { get; }

    /// <summary><c>INTERNAL_KEY</c> as given or generated (a per-agent <c>INTERNAL_KEY_&lt;ID&gt;</c> overrides it).</summary>
    public string InternalKey { get; }

    public ServiceSpec? Simulator { get; }

    /// <summary>The ten agents, in roster order.</summary>
    public IReadOnlyList<ServiceSpec> Agents { get; }

    /// <summary>The first (usually the only) orchestrator replica.</summary>
    public ServiceSpec Orchestrator => Orchestrators[0];

    /// <summary>Every orchestrator replica: <c>orchestrator</c>, then <c>orchestrator-2</c>, …</summary>
    public IReadOnlyList<ServiceSpec> Orchestrators { get; }

    public ServiceSpec Gateway { get; }

    /// <summary>The certificate the gateway serves; null when it speaks plain HTTP.</summary>
    public GatewayCertificate? GatewayCertificate { get; }

    /// <summary>Every service, in start order.</summary>
    public IReadOnlyList<ServiceSpec> Services { get; }

    public static string AgentName(string agentId) => "agent-" + agentId;

    public ServiceSpec Agent(string agentId) => Agents.Single(agent => agent.Name == AgentName(agentId));

    public static TopologyPlan Create(TopologyOptions options)
    {
        string? Variable(string name) =>
            (options.Environment.TryGetValue(name, out var set) ? set : options.Inherited(name)) is { } value
            && !string.IsNullOrWhiteSpace(value) ? value : null;

        var secrets = Variable("CONSILIUM_SECRET") ?? Secrets.Generate();
        var internalKey = Variable("INTERNAL_KEY") ?? Secrets.Generate();
        var scheme = options.GatewayCertificate is null ? Uri.UriSchemeHttp : Uri.UriSchemeHttps;
        var gatewayOrigin = $"{scheme}://127.0.0.1:{options.GatewayPort}";
        var origins = Variable("ALLOWED_ORIGINS") ?? $"{gatewayOrigin},{scheme}://localhost:{options.GatewayPort}";
        var useSimulator = Variable("ANTHROPIC_API_KEY") is null;

        // What every service gets: the values made here, and (unless set otherwise) one-line, timestamped logs without
        // a line per request, so the last lines kept for a failure report say something.
        var common = new Dictionary<string, string?>(options.Environment)
        {
            ["ALLOWED_ORIGINS"] = origins,
            ["ASPNETCORE_HTTP_PORTS"] = null,
            ["ASPNETCORE_HTTPS_PORTS"] = null,
        };
        foreach (var (name, value) in LogDefaults)
        {
            common[name] = Variable(name) ?? value;
        }

        var simulator = useSimulator
            ? Spec(SimulatorName, "Consilium.ModelSimulator.dll", options.FreePort(), [], common,
                Withhold(["CONSILIUM_SECRET", "ANTHROPIC_API_KEY", .. InternalKeyVariables]))
            : null;
        var upstream = new Dictionary<string, string?>(common);
        if (simulator is not null)
        {
            upstream["MODEL_SIMULATOR_URL"] = BaseUrl(simulator);
        }

        var agents = Roster.Ids
            .Select(id => Spec(AgentName(id), "Consilium.Agent.dll", options.FreePort(), [], upstream,
                Withhold(["CONSILIUM_SECRET"]),
                new Dictionary<string, string?> { ["AGENT_ID"] = id, ["INTERNAL_KEY"] = internalKey }))
            .ToList();

        var orchestrators = Enumerable.Range(1, Math.Max(1, options.OrchestratorReplicas))
            .Select(replica => Spec(replica == 1 ? OrchestratorName : $"{OrchestratorName}-{replica}", "Consilium.Orchestrator.dll", options.FreePort(), [], upstream,
                new Dictionary<string, string?>
                {
                    ["CONSILIUM_SECRET"] = secrets,
                    ["INTERNAL_KEY"] = internalKey,
                    ["AGENT_URLS"] = string.Join(',', Roster.Ids.Zip(agents, (id, agent) => $"{id}={BaseUrl(agent)}")),
                }))
            .ToList();

        var gateway = Spec(GatewayName, "Consilium.Gateway.dll", options.GatewayPort,
            options.GatewayContentRoot is { } root ? ["--contentRoot", root] : [],
            common,
            // The gateway only forwards the bearer; the orchestrator checks it.
            Withhold(["CONSILIUM_SECRET", "ANTHROPIC_API_KEY", .. InternalKeyVariables]),
            new Dictionary<string, string?> { ["ORCHESTRATOR_URLS"] = string.Join(',', orchestrators.Select(BaseUrl)) });

        gateway = WithCertificate(gateway, options.GatewayCertificate);

        var printed = secrets.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)[0];
        ServiceSpec Own(ServiceSpec spec) => ServiceTelemetry.Tailor(spec, options.PerService) with
        {
            Executable = options.NativeExecutables.TryGetValue(spec.Assembly, out var native) ? native : null,
        };
        return new TopologyPlan(printed, internalKey, simulator is null ? null : Own(simulator), [.. agents.Select(Own)], [.. orchestrators.Select(Own)], Own(gateway), options.GatewayCertificate);
    }

    /// <summary>A service whose environment is <paramref name="layers"/> applied in order, then its address.</summary>
    private static ServiceSpec Spec(
        string name, string assembly, int port, IReadOnlyList<string> arguments, params IReadOnlyDictionary<string, string?>[] layers)
    {
        var environment = new Dictionary<string, string?>();
        foreach (var (key, value) in layers.SelectMany(layer => layer))
        {
            environment[key] = value;
        }
        environment["ASPNETCORE_URLS"] = $"http://127.0.0.1:{port}";
        return new ServiceSpec(name, assembly, port, arguments, environment);
    }

    /// <summary>
    /// HTTPS with the given certificate; without one, certificate variables the launcher's environment may carry are
    /// withheld, so the gateway speaks the plain HTTP the ready line announces.
    /// </summary>
    private static ServiceSpec WithCertificate(ServiceSpec gateway, GatewayCertificate? certificate)
    {
        var environment = new Dictionary<string, string?>(gateway.Environment)
        {
            [GatewayCertificate.CertVariable] = certificate?.CertificatePath,
            [GatewayCertificate.KeyVariable] = certificate?.KeyPath,
        };
        if (certificate is null)
        {
            return gateway with { Environment = environment };
        }
        environment["ASPNETCORE_URLS"] = $"https://127.0.0.1:{gateway.Port}";
        return gateway with { Scheme = Uri.UriSchemeHttps, Environment = environment };
    }

    private static string BaseUrl(ServiceSpec service) => service.Url.ToString().TrimEnd('/');

    /// <summary>Removes variables a service has no use for, so a secret lives only where it is needed.</summary>
    private static Dictionary<string, string?> Withhold(IEnumerable<string> names) =>
        names.ToDictionary(name => name, _ => (string?)null);
}
