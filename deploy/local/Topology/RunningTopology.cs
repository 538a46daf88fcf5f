using System.Text;
using Consilium.Local.Processes;

namespace Consilium.Local.Topology;

/// <summary>
/// A <see cref="TopologyPlan"/> started as separate processes (<c>dotnet Consilium.X.dll</c>, all at once):
/// waits for every <c>/health</c> concurrently, restarts a service that exits while supervised
/// (<see cref="SuperviseAsync"/>), and stops them all.
/// </summary>
public sealed partial class RunningTopology : IAsyncDisposable
{
    private readonly TimeProvider _time;
    private readonly string _binDirectory;
    private readonly Action<string, string>? _echo;
    private readonly ServiceProcess[] _processes;
    private readonly List<ServiceProcess> _exited = [];
    private bool _stopping;

    private RunningTopology(TopologyPlan plan, ServiceProcess[] processes, string binDirectory, Action<string, string>? echo, TimeProvider time)
    {
        Plan = plan;
        _processes = processes;
        _binDirectory = binDirectory;
        _echo = echo;
        _time = time;
    }

    public TopologyPlan Plan { get; }

    /// <summary>The process of every service now (a restarted service has a new one), in plan order.</summary>
    public IReadOnlyList<ServiceProcess> Processes
    {
        get
        {
            lock (_processes)
            {
                return [.. _processes];
            }
        }
    }

    public ServiceProcess this[string name] => Processes.Single(process => process.Name == name);

    /// <summary>
    /// Starts every service of <paramref name="plan"/> from <paramref name="binDirectory"/>, where the services'
    /// entry assemblies, <c>.runtimeconfig.json</c> and <c>.deps.json</c> are.
    /// </summary>
    public static RunningTopology Start(
        TopologyPlan plan, string binDirectory, Action<string, string>? echo = null, TimeProvider? time = null)
    {
        var missing = plan.Services.Select(service => service.Executable ?? Path.Combine(binDirectory, service.Assembly)).Distinct()
            .Where(file => !File.Exists(file)).ToList();
        if (missing.Count > 0)
        {
            throw new TopologyException(
                $"{string.Join(", ", missing)} not found in {binDirectory}: build the project that references the services " +
                "(e.g. 'dotnet build deploy/local') so their entry assemblies are copied beside it.");
        }

        var started = new List<ServiceProcess>();
        try
        {
            foreach (var service in plan.Services)
            {
                started.Add(StartService(service, binDirectory, echo));
            }
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            started.ForEach(process => process.Kill());
            throw new TopologyException($"Could not start '{DotnetHost.Path}': {ex.Message}. Install the .NET SDK or runtime and put 'dotnet' on PATH.");
        }
        return new RunningTopology(plan, [.. started], binDirectory, echo, time ?? TimeProvider.System);
    }

    /// <summary>
    /// A native executable as it is; an entry assembly (the build in <paramref name="binDirectory"/>, or a published
    /// <c>.dll</c> given as the service's executable) with this process's <c>dotnet</c>.
    /// </summary>
    private static ServiceProcess StartService(ServiceSpec service, string binDirectory, Action<string, string>? echo) =>
        service.Executable is { } native && !native.EndsWith(".dll", StringComparison.Ordinal)
            ? ServiceProcess.Start(service.Name, native, service.Arguments, service.Environment, echo, binDirectory)
            : ServiceProcess.Start(
                service.Name,
                DotnetHost.Path,
                [service.Executable ?? Path.Combine(binDirectory, service.Assembly), .. service.Arguments],
                service.Environment,
                echo,
                binDirectory);

    /// <summary>
    /// Waits until every service answers <c>/health</c> with 200. Throws <see cref="TopologyException"/> naming the
    /// service that exited, or those still not healthy after <paramref name="timeout"/>, with their last log lines.
    /// </summary>
    public async Task WaitHealthyAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var http = new HttpClient(Plan.GatewayCertificate?.CreateProbeHandler() ?? new SocketsHttpHandler());
        using var wait = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        wait.CancelAfter(timeout);
        var healthy = new HashSet<string>();
        var probes = Processes.Select(async process =>
        {
            var spec = Plan.Services.Single(service => service.Name == process.Name);
            if (!await HealthProbe.WaitHealthyAsync(http, spec.Url, process, _time, wait.Token).ConfigureAwait(false))
            {
                throw new TopologyException(ExitReport(process, await process.Exited.ConfigureAwait(false), "while starting"))
                {
                    PortTaken = process.Log.Lines.Any(line => line.Contains("address already in use", StringComparison.OrdinalIgnoreCase)),
                };
            }
            lock (healthy)
            {
                healthy.Add(process.Name);
            }
        }).ToList();

        try
        {
            while (probes.Count > 0)
            {
                var finished = await Task.WhenAny(probes).ConfigureAwait(false);
                probes.Remove(finished);
                await finished.ConfigureAwait(false); // an exited service ends the wait at once
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            List<ServiceProcess> waiting;
            lock (healthy)
            {
                waiting = [.. Processes.Where(process => !healthy.Contains(process.Name))];
            }
            var report = new StringBuilder($"Not healthy after {timeout.TotalSeconds:0} s: {string.Join(", ", waiting.Select(p => p.Name))}.");
            foreach (var process in waiting)
            {
                report.AppendLine().Append(LastLines(process, $"{process.Name}'s last lines:"));
            }
            throw new TopologyException(report.ToString());
        }
        finally
        {
            await wait.CancelAsync().ConfigureAwait(false);
        }
    }

    /// <summary>Stops every process at once: SIGTERM, then a kill after <paramref name="grace"/>.</summary>
    public Task StopAsync(TimeSpan grace)
    {
        lock (_processes)
        {
            _stopping = true; // no restart from here on
        }
        return Task.WhenAll(Processes.Select(process => process.StopAsync(grace)));
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(false);
        List<ServiceProcess> all;
        lock (_processes)
        {
            all = [.. _processes, .. _exited];
        }
        foreach (var process in all)
        {
            await process.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>"<c>name exited with code N when; its last lines:</c>" followed by the lines, indented.</summary>
    public static string ExitReport(ServiceProcess process, int exitCode, string when) =>
        LastLines(process, $"{process.Name} exited with code {exitCode} {when}. Its last lines:");

    private static string LastLines(ServiceProcess process, string heading, int count = 25)
    {
        var lines = WithoutStackFrames(process.Log.Lines);
        var report = new StringBuilder(heading);
        foreach (var line in lines.Skip(Math.Max(0, lines.Count - count)))
        {
            report.AppendLine().Append("  | ").Append(line);
        }
        if (lines.Count == 0)
        {
            report.AppendLine().Append("  | (nothing)");
        }
        return report.ToString();
    }

    /// <summary>A crash ends in dozens of stack frames; keep the messages, with one "..." for each run of frames.</summary>
    private static List<string> WithoutStackFrames(IReadOnlyList<string> lines)
    {
        var kept = new List<string>();
        foreach (var line in lines)
        {
            var trimmed = line.TrimStart();
            var frame = trimmed.StartsWith("at ", StringComparison.Ordinal) || trimmed.StartsWith("--- End of ", StringComparison.Ordinal);
            if (!frame)
            {
                kept.Add(line);
            }
            else if (kept.Count == 0 || kept[^1] != "   ...")
            {
                kept.Add("   ...");
            }
        }
        return kept;
    }
}

/// <summary>The topology could not start; the message says which service and why.</summary>
public sealed class TopologyException(string message) : Exception(message)
{
    /// <summary>
    /// A service died because its port was taken: free ports are picked before the services bind them, so another
    /// process can take one in between; starting again with new ports is worth a try.
    /// </summary>
    public bool PortTaken { get; init; }
}
