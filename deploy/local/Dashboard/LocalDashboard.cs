using System.Diagnostics;
using System.Security.Cryptography;
using Consilium.Local.Processes;
using Consilium.Local.Topology;

namespace Consilium.Local.Dashboard;

/// <summary>
/// <c>./run --dashboard</c> (docs/observability.md): the Aspire Dashboard as one more local process, from the NuGet
/// package that carries its binary (restored on first use into <c>deploy/dashboard/.dashboard</c>, which git ignores).
/// The browser UI needs the login link printed at start (browser-token auth, a token made for this run); the OTLP
/// receiver is unauthenticated but listens on 127.0.0.1 only, where only this machine's processes reach it.
/// </summary>
public sealed class LocalDashboard : IAsyncDisposable
{
    private const string Package = "aspire.dashboard.sdk.linux-x64";
    // The dashboard is one more ASP.NET Core app starting beside thirteen others on a possibly busy machine.
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(120);

    private readonly Process _process;

    private static readonly TimeSpan StopGrace = TimeSpan.FromSeconds(10);

    private LocalDashboard(Process process, Uri url, string token, Uri otlp)
    {
        _process = process;
        Url = url;
        ApiKey = token;
        LoginUrl = new Uri(url, $"login?t={token}");
        Otlp = otlp;
    }

    public Uri Url { get; }

    /// <summary>The link that signs the browser in.</summary>
    public Uri LoginUrl { get; }

    /// <summary>The <c>x-api-key</c> of the dashboard's telemetry API: the login link's token.</summary>
    public string ApiKey { get; }

    /// <summary>The OTLP/gRPC endpoint every service exports to.</summary>
    public Uri Otlp { get; }

    /// <summary>What every service gets so that it exports traces, metrics and logs to the dashboard.</summary>
    public IReadOnlyDictionary<string, string?> ServiceEnvironment => new Dictionary<string, string?>
    {
        ["OTEL_EXPORTER_OTLP_ENDPOINT"] = Otlp.AbsoluteUri.TrimEnd('/'),
        ["OTEL_EXPORTER_OTLP_PROTOCOL"] = "grpc",
    };

    /// <summary>Finds (or restores) the dashboard, starts it on free loopback ports and waits until its page answers.</summary>
    public static async Task<LocalDashboard> StartAsync(Action<string> report, CancellationToken cancellationToken)
    {
        var binary = await FindOrRestoreAsync(report, cancellationToken);
        var ui = Port(18888);
        var grpc = Port(18889);
        var http = Port(18890);
        var token = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16));
        var start = new ProcessStartInfo(binary)
        {
            WorkingDirectory = Path.GetDirectoryName(binary)!,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.Environment["ASPNETCORE_URLS"] = $"http://127.0.0.1:{ui}";
        start.Environment["ASPIRE_DASHBOARD_OTLP_ENDPOINT_URL"] = $"http://127.0.0.1:{grpc}";
        start.Environment["ASPIRE_DASHBOARD_OTLP_HTTP_ENDPOINT_URL"] = $"http://127.0.0.1:{http}";
        // Plain HTTP on loopback: no certificate to trust for a local tool.
        start.Environment["ASPIRE_ALLOW_UNSECURED_TRANSPORT"] = "true";
        start.Environment["Dashboard__Frontend__AuthMode"] = "BrowserToken";
        start.Environment["Dashboard__Frontend__BrowserToken"] = token;
        start.Environment["Dashboard__Otlp__AuthMode"] = "Unsecured";
        // The dashboard's telemetry API (/api/telemetry/…, what `aspire otel` and scripts read) takes the login link's
        // token as its x-api-key: whoever holds the link sees the same telemetry in the browser anyway.
        start.Environment["Dashboard__Api__Enabled"] = "true";
        start.Environment["Dashboard__Api__AuthMode"] = "ApiKey";
        start.Environment["Dashboard__Api__PrimaryApiKey"] = token;
        start.Environment["Logging__LogLevel__Default"] = "Warning";
        var process = Process.Start(start) ?? throw new TopologyException("the dashboard did not start.");
        var log = new LogRing(40);
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) { log.Add(e.Data); } };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) { log.Add(e.Data); } };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var dashboard = new LocalDashboard(process, new Uri($"http://127.0.0.1:{ui}/"), token, new Uri($"http://127.0.0.1:{grpc}"));
        try
        {
            await dashboard.WaitReadyAsync(log, cancellationToken);
            return dashboard;
        }
        catch
        {
            await dashboard.DisposeAsync();
            throw;
        }
    }

    private async Task WaitReadyAsync(LogRing log, CancellationToken cancellationToken)
    {
        using var http = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false }) { Timeout = TimeSpan.FromSeconds(2) };
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(StartTimeout);
        using var tick = new PeriodicTimer(TimeSpan.FromMilliseconds(200));
        try
        {
            while (await tick.WaitForNextTickAsync(timeout.Token))
            {
                if (_process.HasExited)
                {
                    throw new TopologyException($"the dashboard exited with code {_process.ExitCode}:{Environment.NewLine}{string.Join(Environment.NewLine, log.Lines)}");
                }
                try
                {
                    using var response = await http.GetAsync(Url, timeout.Token);
                    return;
                }
                catch (HttpRequestException)
                {
                    // not listening yet
                }
                catch (TaskCanceledException) when (!timeout.IsCancellationRequested)
                {
                    // listening, but no answer within the request's 2 s yet (a busy machine): ask again
                }
            }
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw new TopologyException(
                $"the dashboard did not answer on {Url} within {StartTimeout.TotalSeconds:0} s:{Environment.NewLine}{string.Join(Environment.NewLine, log.Lines)}");
        }
    }

    private static int Port(int preferred) => LoopbackPorts.IsFree(preferred) ? preferred : LoopbackPorts.GetFree();

    private static async Task<string> FindOrRestoreAsync(Action<string> report, CancellationToken cancellationToken)
    {
        var root = RepositoryRoot.Find() ?? throw new TopologyException("--dashboard needs the repository checkout (deploy/dashboard), and none was found above the launcher.");
        var project = Path.Combine(root, "deploy", "dashboard", "Consilium.Dashboard.csproj");
        var packages = Path.Combine(root, "deploy", "dashboard", ".dashboard", "packages", Package);
        if (Find(packages) is { } found)
        {
            return found;
        }
        report("restoring the Aspire Dashboard package (once; about 40 MB)...");
        using var restore = Process.Start(new ProcessStartInfo("dotnet", ["restore", project, "--nologo", "--verbosity", "quiet"])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        }) ?? throw new TopologyException("'dotnet restore' did not start.");
        var output = restore.StandardOutput.ReadToEndAsync(cancellationToken);
        var errors = restore.StandardError.ReadToEndAsync(cancellationToken);
        await restore.WaitForExitAsync(cancellationToken);
        return restore.ExitCode == 0 && Find(packages) is { } restored
            ? restored
            : throw new TopologyException(
                $"could not restore the Aspire Dashboard package ({Package}) with 'dotnet restore {project}' (exit {restore.ExitCode}). " +
                $"It comes from the NuGet feed this machine uses; check that it is reachable.{Environment.NewLine}{await output}{await errors}");
    }

    /// <summary>The dashboard binary of the newest restored version.</summary>
    private static string? Find(string packages) =>
        Directory.Exists(packages)
            ? Directory.GetDirectories(packages)
                .OrderByDescending(version => Version.TryParse(Path.GetFileName(version), out var v) ? v : new Version())
                .Select(version => Path.Combine(version, "tools", "Aspire.Dashboard"))
                .FirstOrDefault(File.Exists)
            : null;

    /// <summary>SIGTERM (the dashboard shuts down as an ASP.NET Core app does); killed if still running after a grace period.</summary>
    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            PosixSignals.Terminate(_process.Id);
            using var grace = new CancellationTokenSource(StopGrace);
            try
            {
                await _process.WaitForExitAsync(grace.Token);
            }
            catch (OperationCanceledException)
            {
                _process.Kill(entireProcessTree: true);
                await _process.WaitForExitAsync();
            }
        }
        _process.Dispose();
    }
}
