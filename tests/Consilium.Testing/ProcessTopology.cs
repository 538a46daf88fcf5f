using System.Net.Http.Headers;
using System.Text;
using Consilium.Local.Processes;
using Consilium.Local.Topology;

namespace Consilium.Testing;

/// <summary>
/// The whole system as separate processes, as the local launcher runs it (the same <see cref="TopologyPlan"/> and
/// <see cref="RunningTopology"/>): the model simulator, ten agents, the orchestrator and the gateway, each on a
/// free loopback port, started from the test's bin folder (reference the four service projects). Waits for every
/// <c>/health</c>, keeps each process's output, and stops them all on dispose.
/// </summary>
public sealed class ProcessTopology : IAsyncDisposable
{
    /// <summary>
    /// Settings that make tests fast and self-contained: the simulator (never a real key from the developer's
    /// environment), in-process stores, a quick simulator and a rate limit no test run reaches.
    /// </summary>
    public static IReadOnlyDictionary<string, string?> TestDefaults { get; } = new Dictionary<string, string?>
    {
        ["ANTHROPIC_API_KEY"] = null,
        ["ANTHROPIC_BASE_URL"] = null,
        ["CONSILIUM_MODELS"] = null,
        ["REDIS_URL"] = null,
        ["SIM_FAULTS"] = null,
        // The launcher's default (the gateway's own origins) is what the browser tests need; a developer's
        // exported value must not leak in.
        ["ALLOWED_ORIGINS"] = null,
        ["SIM_TTFT_MS"] = "5",
        ["SIM_TOKENS_PER_SECOND"] = "2000",
        // One topology serves many tests that inject model faults on purpose: the per-model circuit would carry one
        // test's failures into the next. The circuit breaker's own tests turn it on (MODEL_CIRCUIT_BREAK).
        ["MODEL_CIRCUIT_BREAK"] = "off",
        ["RATE_LIMIT_PER_MINUTE"] = "100000",
    };

    // Fourteen processes starting at once on 2 shared cores: under a load average far above the core count, 90 s was
    // not always enough (the gateway is only ready after its first successful probe of an orchestrator).
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(180);

    private readonly RunningTopology _running;
    private readonly CancellationTokenSource _supervising = new();
    private readonly List<string> _supervisorReports = [];
    private Task _supervision = Task.CompletedTask;

    private ProcessTopology(RunningTopology running) => _running = running;

    /// <summary>What the supervisor said so far (restarts, a crash loop), when <see cref="Supervise"/> was called.</summary>
    public IReadOnlyList<string> SupervisorReports
    {
        get
        {
            lock (_supervisorReports)
            {
                return [.. _supervisorReports];
            }
        }
    }

    /// <summary>Restarts a service that exits, as the launcher does (<see cref="SupervisionPolicy.Default"/> unless given).</summary>
    public void Supervise(SupervisionPolicy? policy = null)
    {
        void Report(string line)
        {
            lock (_supervisorReports)
            {
                _supervisorReports.Add(line);
            }
        }
        _supervision = Task.Run(async () =>
        {
            if (await _running.SuperviseAsync(policy ?? SupervisionPolicy.Default, Report, _supervising.Token).ConfigureAwait(false) is { } crashLoop)
            {
                Report(crashLoop);
            }
        });
    }

    public TopologyPlan Plan => _running.Plan;

    public Uri GatewayUrl => Plan.Gateway.Url;

    public Uri OrchestratorUrl => Plan.Orchestrator.Url;

    public Uri SimulatorUrl => (Plan.Simulator ?? throw new InvalidOperationException("This topology runs without the simulator.")).Url;

    /// <summary>The public bearer secret.</summary>
    public string Secret => Plan.Secret;

    /// <summary>The orchestrator→agent key.</summary>
    public string InternalKey => Plan.InternalKey;

    public IReadOnlyList<ServiceProcess> Processes => _running.Processes;

    public Uri AgentUrl(string agentId) => Plan.Agent(agentId).Url;

    public ServiceProcess Process(string name) => _running[name];

    /// <summary>
    /// Starts the topology with <see cref="TestDefaults"/> and then <paramref name="environment"/> over the test
    /// process's environment. Throws <see cref="TopologyException"/> naming the service that did not start.
    /// </summary>
    /// <param name="orchestratorReplicas">Orchestrator replicas behind the gateway (more than one needs <c>REDIS_URL</c>).</param>
    /// <param name="gatewayCertificate">Set, the gateway serves HTTPS only with it, as <c>./run --https</c> (docs/https.md).</param>
    /// <param name="echo">Sees every log line of every service (name, line); the processes keep only their last lines.</param>
    /// <param name="nativeExecutables">Native AOT executables to run instead of <c>dotnet &lt;assembly&gt;</c>, by entry assembly name.</param>
    public static async Task<ProcessTopology> StartAsync(
        IReadOnlyDictionary<string, string?>? environment = null, CancellationToken cancellationToken = default,
        int orchestratorReplicas = 1, Action<string, string>? echo = null,
        IReadOnlyDictionary<string, IReadOnlyDictionary<string, string?>>? perService = null,
        Consilium.Local.Tls.GatewayCertificate? gatewayCertificate = null,
        IReadOnlyDictionary<string, string>? nativeExecutables = null)
    {
        var settings = new Dictionary<string, string?>(TestDefaults);
        foreach (var (key, value) in environment ?? new Dictionary<string, string?>())
        {
            settings[key] = value;
        }
        for (var attempt = 1; ; attempt++)
        {
            var plan = TopologyPlan.Create(new TopologyOptions
            {
                GatewayPort = Ports.GetFree(),
                Environment = settings,
                GatewayContentRoot = RepositoryRoot.GatewayContentRoot(),
                OrchestratorReplicas = orchestratorReplicas,
                PerService = perService ?? new Dictionary<string, IReadOnlyDictionary<string, string?>>(),
                GatewayCertificate = gatewayCertificate,
                NativeExecutables = nativeExecutables ?? new Dictionary<string, string>(),
            });
            var running = RunningTopology.Start(plan, AppContext.BaseDirectory, echo);
            try
            {
                await running.WaitHealthyAsync(StartTimeout, cancellationToken).ConfigureAwait(false);
                return new ProcessTopology(running);
            }
            catch (TopologyException ex) when (ex.PortTaken && attempt < 3)
            {
                await running.DisposeAsync().ConfigureAwait(false); // another process took a port: new ports, once more
            }
            catch
            {
                await running.DisposeAsync().ConfigureAwait(false);
                throw;
            }
        }
    }

    /// <summary>A client for the public API through the gateway, with the bearer secret, no timeout (streams).</summary>
    public HttpClient CreateGatewayClient(bool authenticated = true) =>
        CreateClient(GatewayUrl, authenticated ? Secret : null);

    /// <summary>
    /// A client for any base address, optionally with a bearer token, no timeout (streams). Disposing a response
    /// that is not read to the end closes its connection at once (no draining), as a client that goes away would.
    /// </summary>
    public static HttpClient CreateClient(Uri baseAddress, string? bearer = null)
    {
        var handler = new SocketsHttpHandler { MaxResponseDrainSize = 0 };
        var client = new HttpClient(handler) { BaseAddress = baseAddress, Timeout = Timeout.InfiniteTimeSpan };
        if (bearer is not null)
        {
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
        }
        return client;
    }

    /// <summary>The last log lines of the named services (all when none are named), for assertion messages.</summary>
    public string Logs(params string[] names)
    {
        var report = new StringBuilder();
        foreach (var process in Processes.Where(process => names.Length == 0 || names.Contains(process.Name)))
        {
            report.AppendLine($"--- {process.Name} (exited: {process.Exited.IsCompleted})");
            foreach (var line in process.Log.Lines)
            {
                report.AppendLine(line);
            }
        }
        return report.ToString();
    }

    /// <summary>Fails with the dead service's last lines when any service has exited since start.</summary>
    public void EnsureAllRunning()
    {
        var dead = Processes.FirstOrDefault(process => process.Exited.IsCompleted);
        if (dead is not null)
        {
            throw new TopologyException(RunningTopology.ExitReport(dead, dead.Exited.Result, "during the test"));
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _supervising.CancelAsync().ConfigureAwait(false);
        await _supervision.ConfigureAwait(false);
        _supervising.Dispose();
        await _running.DisposeAsync().ConfigureAwait(false);
    }
}
