using System.Diagnostics;
using System.Text;
using Consilium.Local.Processes;
using Consilium.Testing;

namespace Consilium.Council.Tests.Hosting;

/// <summary>
/// An orchestrator replica as its own process (the built <c>Consilium.Orchestrator.dll</c> beside the tests), so a test
/// can kill it the way a crash would: no shutdown, no terminal event, no lease released.
/// </summary>
public sealed class OrchestratorProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private OrchestratorProcess(Process process, Uri baseAddress)
    {
        _process = process;
        BaseAddress = baseAddress;
    }

    public Uri BaseAddress { get; }

    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    public static async Task<OrchestratorProcess> StartAsync(IReadOnlyDictionary<string, string?> settings, CancellationToken cancellationToken)
    {
        var port = Ports.GetFree();
        var start = new ProcessStartInfo(DotnetHost.Path)
        {
            ArgumentList = { Path.Combine(AppContext.BaseDirectory, "Consilium.Orchestrator.dll"), "--urls", $"http://127.0.0.1:{port}" },
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
            WorkingDirectory = AppContext.BaseDirectory,
        };
        foreach (var (name, value) in settings)
        {
            if (string.IsNullOrEmpty(value))
            {
                start.Environment.Remove(name);
            }
            else
            {
                start.Environment[name] = value;
            }
        }
        var process = Process.Start(start) ?? throw new InvalidOperationException("Could not start Consilium.Orchestrator.dll.");
        var host = new OrchestratorProcess(process, new Uri($"http://127.0.0.1:{port}/"));
        process.OutputDataReceived += (_, e) => host.Keep(e.Data);
        process.ErrorDataReceived += (_, e) => host.Keep(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        using var http = new HttpClient { BaseAddress = host.BaseAddress, Timeout = TimeSpan.FromSeconds(2) };
        var started = Stopwatch.StartNew();
        while (started.Elapsed < TimeSpan.FromSeconds(60))
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"The orchestrator exited with {process.ExitCode}:\n{host.Output}");
            }
            try
            {
                using var response = await http.GetAsync("/alive", cancellationToken);
                if (response.IsSuccessStatusCode)
                {
                    return host;
                }
            }
            catch (HttpRequestException)
            {
            }
            catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
            }
            await Task.Delay(100, cancellationToken);
        }
        await host.DisposeAsync();
        throw new TimeoutException($"The orchestrator did not answer /alive within 60 s:\n{host.Output}");
    }

    /// <summary>SIGKILL: the process stops at once, as a crash or an evicted pod would.</summary>
    public async Task KillAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await KillAsync();
        _process.Dispose();
    }

    private void Keep(string? line)
    {
        if (line is null)
        {
            return;
        }
        lock (_output)
        {
            _output.AppendLine(line);
        }
    }
}
