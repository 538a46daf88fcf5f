using System.Runtime.InteropServices;
using Consilium.Local.Dashboard;
using Consilium.Local.Processes;
using Consilium.Local.Tls;
using Consilium.Local.Topology;

namespace Consilium.Local;

/// <summary>
/// <c>dotnet run --project deploy/local</c> (docs/architecture.md#running-it-locally): starts every service as its own process, prints one
/// <c>Consilium ready: …</c> line when all are healthy, restarts a service that dies (with backoff, saying so), and
/// stops them all on Ctrl+C or SIGTERM, or when a service is in a crash loop (docs/reliability.md, "Supervision").
/// Standard output carries only the ready line (with <c>--https</c>, then the certificate's line); everything else goes
/// to standard error.
/// </summary>
public static class Launcher
{
    public const string ReadyPrefix = "Consilium ready: ";
    public const string CertificatePrefix = "Consilium certificate: ";

    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(120);
    /// <summary>
    /// SIGTERM first; a service still running after this is killed. Long enough for the orchestrator to end its open
    /// streams with a terminal event and for the gateway to pass them on.
    /// </summary>
    private static readonly TimeSpan StopGrace = TimeSpan.FromSeconds(10);

    private const string Usage = """
        Usage: dotnet run --project deploy/local [-- --logs] [--https] [--dashboard] [--native DIR]

        Starts the model simulator (unless ANTHROPIC_API_KEY is set), the ten agents, the orchestrator and the
        gateway as separate processes, then prints 'Consilium ready: <url> key: <secret>'. A service that dies is
        restarted (after 1, 2, 4, 8 s); one that dies 5 times within 60 s stops everything. Ctrl+C stops them all.

          --logs       also show every service's log lines (prefixed by its name) on standard error
          --https      the gateway serves HTTPS only, with CONSILIUM_TLS_CERT/CONSILIUM_TLS_KEY when set, else with a
                       self-signed certificate for 127.0.0.1/localhost kept in .consilium/tls/ (docs/https.md)
          --dashboard  also start the Aspire Dashboard (traces, metrics and logs of every service) and print its link
          --native DIR run the Native AOT builds DIR/Consilium.Agent and DIR/Consilium.ModelSimulator and the
                       ReadyToRun builds DIR/Consilium.Orchestrator/ and DIR/Consilium.Gateway/ instead of the .dll
                       builds (deploy/local/publish-native DIR makes them; ./run does, unless given --jit)

        The gateway listens on CONSILIUM_PORT (default 8080; 0 picks a free port). CONSILIUM_SECRET and
        INTERNAL_KEY are generated when unset; every other variable of the contract is passed through.
        """;

    public static async Task<int> RunAsync(string[] args)
    {
        var showLogs = false;
        var https = false;
        var withDashboard = false;
        string? nativeFolder = null;
        for (var i = 0; i < args.Length; i++)
        {
            var argument = args[i];
            switch (argument)
            {
                case "--native" when i + 1 < args.Length:
                    nativeFolder = args[++i];
                    break;
                case "--native":
                    Console.Error.WriteLine($"Consilium: --native needs the folder of the Native AOT builds (deploy/local/publish-native DIR).{Environment.NewLine}{Usage}");
                    return 2;
                case "--logs":
                    showLogs = true;
                    break;
                case "--https":
                    https = true;
                    break;
                case "--dashboard":
                    withDashboard = true;
                    break;
                case "-h" or "--help":
                    Console.Error.WriteLine(Usage);
                    return 0;
                default:
                    Console.Error.WriteLine($"Consilium: unknown argument '{argument}'.{Environment.NewLine}{Usage}");
                    return 2;
            }
        }

        if (!TryGetGatewayPort(out var port, out var problem))
        {
            Console.Error.WriteLine($"Consilium: {problem}");
            return 1;
        }

        GatewayCertificate? certificate = null;
        if (https && (certificate = GatewayCertificate.Resolve(Environment.GetEnvironmentVariable, TimeProvider.System, out var tlsProblem)) is null)
        {
            Console.Error.WriteLine($"Consilium: {tlsProblem}");
            return 1;
        }

        IReadOnlyDictionary<string, string> native = new Dictionary<string, string>();
        try
        {
            native = nativeFolder is null ? native : NativeBuilds.In(nativeFolder);
        }
        catch (TopologyException ex)
        {
            Console.Error.WriteLine($"Consilium: {ex.Message}");
            return 1;
        }

        await using var dashboard = withDashboard ? await StartDashboardAsync() : null;
        if (withDashboard && dashboard is null)
        {
            return 1;
        }
        var plan = TopologyPlan.Create(new TopologyOptions
        {
            GatewayPort = port,
            GatewayContentRoot = RepositoryRoot.GatewayContentRoot(),
            GatewayCertificate = certificate,
            Environment = dashboard?.ServiceEnvironment ?? new Dictionary<string, string?>(),
            NativeExecutables = native,
        });

        using var stop = new CancellationTokenSource();
        using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, context => RequestStop(context, stop));
        using var terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context => RequestStop(context, stop));

        Console.Error.WriteLine(
            $"Consilium: starting {plan.Services.Count} services ({(plan.Simulator is null ? "" : "model simulator, ")}ten agents, orchestrator, gateway)" +
            (native.Count > 0 ? $", the agents{(plan.Simulator is null ? "" : " and the simulator")} as Native AOT builds, the orchestrator and the gateway as ReadyToRun builds..." : "..."));
        RunningTopology topology;
        try
        {
            topology = RunningTopology.Start(plan, AppContext.BaseDirectory, showLogs ? Echo : null);
        }
        catch (TopologyException ex)
        {
            Console.Error.WriteLine($"Consilium: {ex.Message}");
            return 1;
        }

        await using (topology)
        {
            try
            {
                await topology.WaitHealthyAsync(StartTimeout, stop.Token);
            }
            catch (TopologyException ex)
            {
                // Ctrl+C while starting reaches the children too; their exit is then no failure.
                return await StoppingAnyway(stop) ? await StopAsync(topology) : await FailAsync(topology, ex.Message);
            }
            catch (OperationCanceledException)
            {
                return await StopAsync(topology);
            }

            Console.Out.WriteLine($"{ReadyPrefix}{plan.Gateway.Url} key: {plan.Secret}");
            if (certificate is not null)
            {
                Console.Out.WriteLine($"{CertificatePrefix}{certificate.CertificatePath}");
                Console.Error.WriteLine(
                    $"Consilium: trust it, e.g. curl --cacert {certificate.CertificatePath} {plan.Gateway.Url}health");
            }
            if (dashboard is not null)
            {
                Console.Error.WriteLine($"Consilium dashboard: {dashboard.LoginUrl}");
            }
            Console.Error.WriteLine("Consilium: press Ctrl+C to stop.");

            var crashLoop = await topology.SuperviseAsync(SupervisionPolicy.Default, line => Console.Error.WriteLine($"Consilium: {line}"), stop.Token);
            return crashLoop is null || await StoppingAnyway(stop) ? await StopAsync(topology) : await FailAsync(topology, crashLoop);
        }
    }

    private static async Task<LocalDashboard?> StartDashboardAsync()
    {
        try
        {
            Console.Error.WriteLine("Consilium: starting the Aspire Dashboard...");
            return await LocalDashboard.StartAsync(line => Console.Error.WriteLine($"Consilium: {line}"), CancellationToken.None);
        }
        catch (TopologyException ex)
        {
            Console.Error.WriteLine($"Consilium: {ex.Message}");
            return null;
        }
    }

    private static bool TryGetGatewayPort(out int port, out string problem)
    {
        problem = "";
        var raw = Environment.GetEnvironmentVariable("CONSILIUM_PORT");
        if (string.IsNullOrWhiteSpace(raw))
        {
            port = 8080;
        }
        else if (!int.TryParse(raw, out port) || port is < 0 or > 65535)
        {
            problem = $"CONSILIUM_PORT must be a port number from 1 to 65535 (or 0 for any free port), not '{raw}'.";
            return false;
        }
        if (port == 0)
        {
            port = LoopbackPorts.GetFree();
        }
        else if (!LoopbackPorts.IsFree(port))
        {
            problem = $"port {port} is already in use on 127.0.0.1 (is Consilium already running?). " +
                $"Stop whatever listens there, or choose another port, e.g. CONSILIUM_PORT={(port == 65535 ? 8081 : port + 1)} ./run";
            return false;
        }
        return true;
    }

    private static void RequestStop(PosixSignalContext context, CancellationTokenSource stop)
    {
        context.Cancel = true; // the launcher stops its children first, then exits by itself
        try
        {
            stop.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // already on the way out
        }
    }

    /// <summary>
    /// Ctrl+C in a terminal also reaches the children, which may exit a moment before our own handler has run:
    /// give the handler that moment before calling an exit a death.
    /// </summary>
    private static async Task<bool> StoppingAnyway(CancellationTokenSource stop)
    {
        try
        {
            await Task.Delay(TimeSpan.FromMilliseconds(250), stop.Token);
            return false;
        }
        catch (OperationCanceledException)
        {
            return true;
        }
    }

    private static async Task<int> StopAsync(RunningTopology topology)
    {
        Console.Error.WriteLine("Consilium: stopping...");
        await topology.StopAsync(StopGrace);
        Console.Error.WriteLine("Consilium: stopped.");
        return 0;
    }

    private static async Task<int> FailAsync(RunningTopology topology, string report)
    {
        Console.Error.WriteLine($"Consilium: {report}");
        Console.Error.WriteLine("Consilium: stopping every other service.");
        await topology.StopAsync(StopGrace);
        return 1;
    }

    private static void Echo(string name, string line) => Console.Error.WriteLine($"{name,-16} | {line}");
}
