using System.Diagnostics;

namespace Consilium.Local.Processes;

/// <summary>
/// One child process: started with its own environment, its output kept in a <see cref="LogRing"/> (and optionally
/// echoed), stopped with SIGTERM and then killed when it does not stop within a grace period.
/// </summary>
public sealed class ServiceProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly Lock _gate = new();
    private readonly List<(Func<string, bool> Match, TaskCompletionSource<string> Found)> _waiters = [];
    private readonly Action<string, string>? _echo;

    private ServiceProcess(string name, Process process, Action<string, string>? echo)
    {
        Name = name;
        _process = process;
        _echo = echo;
    }

    public string Name { get; }

    public int ProcessId { get; private set; }

    /// <summary>The last lines the process wrote to standard output or standard error.</summary>
    public LogRing Log { get; } = new();

    /// <summary>Completes with the exit code once the process has exited and its output is read to the end.</summary>
    public Task<int> Exited { get; private set; } = Task.FromResult(0);

    /// <summary>Starts <paramref name="fileName"/> with the current environment plus <paramref name="environment"/> (a null value removes a variable).</summary>
    public static ServiceProcess Start(
        string name,
        string fileName,
        IEnumerable<string> arguments,
        IReadOnlyDictionary<string, string?> environment,
        Action<string, string>? echo = null,
        string? workingDirectory = null)
    {
        var startInfo = new ProcessStartInfo(fileName)
        {
            // Never the launcher's terminal: a child would read it, or set its modes, behind the launcher's back.
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory ?? Environment.CurrentDirectory,
        };
        foreach (var argument in arguments)
        {
            startInfo.ArgumentList.Add(argument);
        }
        foreach (var (key, value) in environment)
        {
            if (value is null)
            {
                startInfo.Environment.Remove(key);
            }
            else
            {
                startInfo.Environment[key] = value;
            }
        }

        var process = new Process { StartInfo = startInfo };
        var child = new ServiceProcess(name, process, echo);
        process.OutputDataReceived += (_, e) => child.OnLine(e.Data);
        process.ErrorDataReceived += (_, e) => child.OnLine(e.Data);
        process.Start();
        process.StandardInput.Close(); // no input: end of file from the start
        child.ProcessId = process.Id;
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        child.Exited = child.WaitForExitAsync();
        return child;
    }

    /// <summary>Waits for an output line that matches, looking at the lines already kept first.</summary>
    public Task<string> WaitForLineAsync(Func<string, bool> match, CancellationToken cancellationToken)
    {
        var found = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_gate)
        {
            var seen = Log.Lines.FirstOrDefault(match);
            if (seen is not null)
            {
                return Task.FromResult(seen);
            }
            if (Exited.IsCompleted)
            {
                return Task.FromException<string>(new InvalidOperationException(ExitedBeforeLine()));
            }
            _waiters.Add((match, found));
        }
        return found.Task.WaitAsync(cancellationToken);
    }

    /// <summary>SIGTERM (where signals exist), then a kill of the whole process tree after <paramref name="grace"/>.</summary>
    public async Task StopAsync(TimeSpan grace)
    {
        if (Exited.IsCompleted)
        {
            return;
        }
        if (!PosixSignals.Terminate(ProcessId))
        {
            Kill();
        }
        try
        {
            await Exited.WaitAsync(grace).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            Kill();
            await Exited.ConfigureAwait(false);
        }
    }

    public void Kill()
    {
        try
        {
            _process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // already exited
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync(TimeSpan.FromSeconds(2)).ConfigureAwait(false);
        _process.Dispose();
    }

    private void OnLine(string? line)
    {
        if (line is null)
        {
            return;
        }
        _echo?.Invoke(Name, line);
        List<TaskCompletionSource<string>> matched = [];
        lock (_gate)
        {
            Log.Add(line);
            _waiters.RemoveAll(waiter =>
            {
                if (!waiter.Match(line))
                {
                    return false;
                }
                matched.Add(waiter.Found);
                return true;
            });
        }
        matched.ForEach(found => found.TrySetResult(line));
    }

    private async Task<int> WaitForExitAsync()
    {
        await _process.WaitForExitAsync().ConfigureAwait(false);
        var code = _process.ExitCode;
        List<TaskCompletionSource<string>> waiting;
        lock (_gate)
        {
            waiting = [.. _waiters.Select(waiter => waiter.Found)];
            _waiters.Clear();
        }
        var error = new InvalidOperationException(ExitedBeforeLine(code));
        waiting.ForEach(found => found.TrySetException(error));
        return code;
    }

    private string ExitedBeforeLine(int? code = null) =>
        $"{Name} exited{(code is { } c ? $" with code {c}" : "")} before writing the expected line. Its last lines:{Environment.NewLine}{Log}";
}
