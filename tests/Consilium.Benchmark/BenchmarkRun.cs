using System.Net;
using System.Reflection;
using System.Runtime.InteropServices;
using Consilium.Benchmark.Hosting;
using Consilium.Benchmark.Measurement;
using Consilium.Benchmark.Reporting;
using Consilium.Benchmark.Scenarios;
using Consilium.Local.Topology;

namespace Consilium.Benchmark;

/// <summary>
/// One benchmark run: parse the command line, start the system, run the chosen scenarios, print the report, and stop
/// every process it started — also on Ctrl+C, SIGTERM, a failure, or when <c>--max-seconds</c> runs out.
/// </summary>
public static class BenchmarkRun
{
    public static async Task<int> RunAsync(string[] args)
    {
        if (args.Contains("--help") || args.Contains("-h"))
        {
            Console.Out.WriteLine(BenchmarkOptions.Usage);
            return 0;
        }
        BenchmarkOptions options;
        try
        {
            options = BenchmarkOptions.Parse(args);
        }
        catch (ArgumentException ex)
        {
            Console.Error.WriteLine($"benchmark: {ex.Message} Run with --help to list the options.");
            return 2;
        }

        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(options.MaxSeconds));
        using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, Cancel);
        using var terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Cancel);
        void Cancel(PosixSignalContext context)
        {
            context.Cancel = true; // stop measuring, then clean up in the finally below
            stop.Cancel();
        }

        var report = new Report();
        BenchTopology? topology = null;
        try
        {
            PrintHeader(report, options, args);
            Report.Progress("starting redis-server and the services (simulator, ten agents, orchestrator, gateway)");
            topology = await BenchTopology.StartAsync(options, options.Redis, stop.Token);
            Report.Progress("all services healthy");
            var cpu = topology.MeasureCpu();

            if (options.Scenarios.HasFlag(ScenarioSet.Cold))
            {
                // First: it needs the services as they are just after start-up.
                await new ColdStartScenario(topology, options, report).RunAsync(stop.Token);
                topology.System.EnsureAllRunning();
            }
            if (options.Scenarios.HasFlag(ScenarioSet.Cpu))
            {
                await new DeltaCpuScenario(topology, options, report).RunAsync(stop.Token);
                topology.System.EnsureAllRunning();
            }
            if (options.Scenarios.HasFlag(ScenarioSet.Hops))
            {
                await new HopsScenario(topology, options, report).RunAsync(stop.Token);
                topology.System.EnsureAllRunning();
            }
            if ((options.Scenarios & (ScenarioSet.Council | ScenarioSet.Capacity | ScenarioSet.Telemetry | ScenarioSet.FollowUp)) != 0 && !await HasCouncilAsync(topology, stop.Token))
            {
                report.Line("The council scenarios did not run: the gateway answers `POST /api/consilium` with 404 (not built yet).");
                report.Line();
            }
            else
            {
                if (options.Scenarios.HasFlag(ScenarioSet.Council))
                {
                    await new CouncilScenario(topology, options, report).RunAsync(stop.Token);
                    topology.System.EnsureAllRunning();
                }
                if (options.Scenarios.HasFlag(ScenarioSet.Capacity))
                {
                    await new CapacityScenario(topology, options, report).RunAsync(stop.Token);
                    topology.System.EnsureAllRunning();
                }
                if (options.Scenarios.HasFlag(ScenarioSet.Telemetry))
                {
                    await new TelemetryScenario(topology, options, report).RunAsync(stop.Token);
                    topology.System.EnsureAllRunning();
                }
                if (options.Scenarios.HasFlag(ScenarioSet.FollowUp))
                {
                    await new FollowUpScenario(topology, options, report).RunAsync(stop.Token);
                    topology.System.EnsureAllRunning();
                }
            }
            if (options.Scenarios.HasFlag(ScenarioSet.Https))
            {
                await new HttpsScenario(topology, options, report).RunAsync(stop.Token);
                topology.System.EnsureAllRunning();
            }
            report.Line($"Over the whole run {cpu.Describe()}. Load average at the end: {MachineFacts.LoadAverage()} " +
                "(it counts this benchmark's own threads too).");
            return 0;
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            Report.Progress($"stopped (interrupted, or --max-seconds {options.MaxSeconds} ran out); the tables above are complete, the rest did not run");
            return 3;
        }
        catch (TopologyException ex)
        {
            Report.Progress("a service failed: " + ex.Message);
            return 1;
        }
        finally
        {
            if (topology is not null)
            {
                Report.Progress("stopping every process this run started");
                await topology.DisposeAsync();
            }
            if (options.MarkdownPath is { } path)
            {
                await File.WriteAllTextAsync(path, report.ToString(), CancellationToken.None);
                Report.Progress($"report written to {path}");
            }
        }
    }

    private static void PrintHeader(Report report, BenchmarkOptions options, string[] args)
    {
        var configuration = typeof(BenchmarkRun).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "unknown";
        report.Line($"Measured {TimeProvider.System.GetUtcNow():yyyy-MM-dd HH:mm} UTC with " +
            $"`dotnet run --project tests/Consilium.Benchmark -c Release --{(args.Length == 0 ? "" : " " + string.Join(' ', args))}` " +
            $"({configuration} build{(options.Quick ? ", quick mode" : "")}).");
        report.Line();
        report.Line($"Machine: {MachineFacts.Describe()}. Load average at the start: {MachineFacts.LoadAverage()}. " +
            "Every service runs as its own process on loopback, and so does this client: all share the same cores.");
        report.Line();
        if (!string.Equals(configuration, "Release", StringComparison.OrdinalIgnoreCase))
        {
            Report.Progress($"warning: this is a {configuration} build; measure with -c Release");
        }
    }

    /// <summary>The council endpoint answers anything but 404 (an empty body gets a 400 problem).</summary>
    private static async Task<bool> HasCouncilAsync(BenchTopology topology, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(topology.System.GatewayUrl, "/api/consilium"))
        {
            Content = new StringContent("{}", System.Text.Encoding.UTF8, "application/json"),
        };
        request.Headers.Authorization = new("Bearer", topology.System.Secret);
        using var response = await topology.Http.SendAsync(request, cancellationToken);
        return response.StatusCode != HttpStatusCode.NotFound;
    }
}
