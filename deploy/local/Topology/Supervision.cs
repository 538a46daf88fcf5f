using System.Globalization;
using Consilium.Local.Processes;

namespace Consilium.Local.Topology;

/// <summary>
/// How a supervised topology treats a service that exits (docs/reliability.md, "Supervision"), like compose's
/// <c>restart: unless-stopped</c>: restart it after a backoff that doubles with each recent crash, and give up — stop
/// everything — only when one service crashed <see cref="MaxCrashes"/> times within <see cref="Window"/>.
/// </summary>
public sealed record SupervisionPolicy
{
    public static SupervisionPolicy Default { get; } = new();

    /// <summary>This many exits of one service within <see cref="Window"/> is a crash loop.</summary>
    public int MaxCrashes { get; init; } = 5;

    public TimeSpan Window { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>The wait before the first restart; doubled for each further exit within the window.</summary>
    public TimeSpan FirstBackoff { get; init; } = TimeSpan.FromSeconds(1);

    public TimeSpan MaxBackoff { get; init; } = TimeSpan.FromSeconds(8);

    /// <summary>The wait before restarting after the <paramref name="crashes"/>-th exit within the window (1-based).</summary>
    public TimeSpan Backoff(int crashes)
    {
        var doubled = FirstBackoff * Math.Pow(2, Math.Clamp(crashes - 1, 0, 16));
        return doubled < MaxBackoff ? doubled : MaxBackoff;
    }
}

public sealed partial class RunningTopology
{
    private static readonly TimeSpan SignalSettle = TimeSpan.FromMilliseconds(250);

    /// <summary>
    /// Watches every service until <paramref name="stop"/> is cancelled (returns null) or a service is in a crash
    /// loop (returns the report to print before stopping everything). A service that exits is reported on
    /// <paramref name="report"/> — its name, exit code and last log lines — and started again, on the same port
    /// and with the same environment, after the policy's backoff; the others keep running.
    /// </summary>
    public async Task<string?> SuperviseAsync(SupervisionPolicy policy, Action<string> report, CancellationToken stop)
    {
        var crashes = Plan.Services.ToDictionary(service => service.Name, _ => new Queue<long>(), StringComparer.Ordinal);
        var restarts = new List<Task>();
        using var http = new HttpClient();
        try
        {
            while (!stop.IsCancellationRequested)
            {
                var running = Processes;
                var exited = await Task.WhenAny(running.Select(process => process.Exited))
                    .WaitAsync(stop).ConfigureAwait(false);
                var process = running.First(candidate => candidate.Exited == exited);
                var code = await process.Exited.ConfigureAwait(false);
                // Ctrl+C in a terminal reaches the children too, a moment before the launcher's own handler runs:
                // give it that moment before calling the exit a crash.
                await Task.Delay(SignalSettle, _time, stop).ConfigureAwait(false);

                var now = _time.GetTimestamp();
                var recent = crashes[process.Name];
                recent.Enqueue(now);
                while (recent.Count > 0 && _time.GetElapsedTime(recent.Peek(), now) > policy.Window)
                {
                    recent.Dequeue();
                }
                if (recent.Count >= policy.MaxCrashes)
                {
                    return ExitReport(process, code,
                        $"for the {Ordinal(recent.Count)} time within {policy.Window.TotalSeconds:0} s (a crash loop); stopping everything");
                }

                var backoff = policy.Backoff(recent.Count);
                report(ExitReport(process, code,
                    $"unexpectedly; restarting it in {backoff.TotalSeconds:0.#} s (exit {recent.Count} of {policy.MaxCrashes} allowed within {policy.Window.TotalSeconds:0} s)"));
                await Task.Delay(backoff, _time, stop).ConfigureAwait(false);
                if (Restart(process) is { } restarted)
                {
                    restarts.Add(ReportHealthyAsync(http, restarted, report, stop));
                }
            }
            return null;
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
            return null;
        }
        finally
        {
            await Task.WhenAll(restarts).ConfigureAwait(false);
        }
    }

    /// <summary>Starts <paramref name="exited"/>'s service again in its place; null once the topology is stopping.</summary>
    private ServiceProcess? Restart(ServiceProcess exited)
    {
        var spec = Plan.Services.Single(service => service.Name == exited.Name);
        lock (_processes)
        {
            if (_stopping)
            {
                return null;
            }
            var index = Array.IndexOf(_processes, exited);
            var restarted = StartService(spec, _binDirectory, _echo);
            _processes[index] = restarted;
            _exited.Add(exited);
            return restarted;
        }
    }

    private async Task ReportHealthyAsync(HttpClient http, ServiceProcess restarted, Action<string> report, CancellationToken stop)
    {
        var spec = Plan.Services.Single(service => service.Name == restarted.Name);
        try
        {
            if (await HealthProbe.WaitHealthyAsync(http, spec.Url, restarted, _time, stop).ConfigureAwait(false))
            {
                report($"{restarted.Name} restarted (process {restarted.ProcessId}) and is healthy again.");
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
        }
    }

    private static string Ordinal(int n) => n.ToString(CultureInfo.InvariantCulture) + (n % 100 is 11 or 12 or 13 ? "th" : (n % 10) switch
    {
        1 => "st",
        2 => "nd",
        3 => "rd",
        _ => "th",
    });
}
