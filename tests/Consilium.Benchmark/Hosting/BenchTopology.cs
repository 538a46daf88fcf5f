using System.Globalization;
using Consilium.Benchmark.Measurement;
using Consilium.Client;
using Consilium.Benchmark.Reporting;
using Consilium.Local.Topology;
using Consilium.Testing;

namespace Consilium.Benchmark.Hosting;

/// <summary>A service process whose peak memory is reported.</summary>
public sealed record MeasuredProcess(string Name, int ProcessId);

/// <summary>
/// The system as separate processes on loopback (<see cref="ProcessTopology"/>: the simulator, ten agents, the
/// orchestrator, the gateway), plus a private <c>redis-server</c> for the council event log when asked, with every
/// public limit raised out of the benchmark's way, and one <see cref="HttpClient"/> for all measured traffic.
/// </summary>
public sealed class BenchTopology : IAsyncDisposable
{
    private readonly RedisServer? _redis;

    private BenchTopology(ProcessTopology system, RedisServer? redis)
    {
        System = system;
        _redis = redis;
        var handler = new SocketsHttpHandler
        {
            UseProxy = false,
            MaxConnectionsPerServer = 100_000,
            PooledConnectionIdleTimeout = TimeSpan.FromMinutes(10),
            PooledConnectionLifetime = Timeout.InfiniteTimeSpan,
            ConnectTimeout = TimeSpan.FromSeconds(30),
        };
        Http = new HttpClient(handler) { Timeout = Timeout.InfiniteTimeSpan };
        // The same connection pool, addressed at the gateway. No resume: a dropped council stream is a failure here.
        _councilHttp = new HttpClient(handler, disposeHandler: false) { BaseAddress = system.GatewayUrl, Timeout = Timeout.InfiniteTimeSpan };
        Council = new ConsiliumClient(_councilHttp, new ConsiliumClientOptions { Secret = system.Secret, MaxResumeAttempts = 0 });
    }

    private readonly HttpClient _councilHttp;

    public ProcessTopology System { get; }

    public HttpClient Http { get; }

    /// <summary>The gateway's council API through <see cref="Http"/>'s connections, with the bearer secret.</summary>
    public ConsiliumClient Council { get; }

    /// <summary>Where the orchestrator keeps its rate-limit windows, council slots and session event logs.</summary>
    public string Stores => _redis is null ? "in-process (no REDIS_URL)" : "Redis (a private redis-server on loopback)";

    /// <summary>
    /// Starts Redis (when <paramref name="withRedis"/>) and the services with the simulator paced by
    /// <paramref name="options"/>, the rate limit at its maximum and the per-client council cap at its maximum.
    /// </summary>
    public static async Task<BenchTopology> StartAsync(
        BenchmarkOptions options, bool withRedis, CancellationToken cancellationToken, IReadOnlyDictionary<string, string?>? extra = null)
    {
        var redis = withRedis ? await RedisServer.StartNewAsync(cancellationToken).ConfigureAwait(false) : null;
        try
        {
            var environment = new Dictionary<string, string?>
            {
                ["SIM_TTFT_MS"] = options.TtftMs.ToString(CultureInfo.InvariantCulture),
                ["SIM_TOKENS_PER_SECOND"] = options.Rate.ToString(CultureInfo.InvariantCulture),
                ["SIM_OUTPUT_TOKENS"] = options.Tokens.ToString(CultureInfo.InvariantCulture),
                // The most each allows: every request of the run comes from 127.0.0.1, one "client".
                ["RATE_LIMIT_PER_MINUTE"] = "100000",
                ["COUNCIL_STREAMS_PER_CLIENT"] = "1000",
                ["AGENT_MAX_TOKENS"] = options.MaxTokens.ToString(CultureInfo.InvariantCulture),
                ["REDIS_URL"] = redis?.Url,
                ["REDIS_KEY_PREFIX"] = redis is null ? null : "bench:",
            };
            foreach (var (name, value) in extra ?? new Dictionary<string, string?>())
            {
                environment[name] = value;
            }
            var system = await StartSystemAsync(environment, NativeExecutables(options), cancellationToken).ConfigureAwait(false);
            return new BenchTopology(system, redis);
        }
        catch
        {
            if (redis is not null)
            {
                await redis.DisposeAsync().ConfigureAwait(false);
            }
            throw;
        }
    }

    /// <summary>
    /// Ports are picked free a moment before the services bind them, and on a busy machine another process (or an
    /// outgoing connection) can take one in between: then the whole topology is started again, at most three times.
    /// </summary>
    private static async Task<ProcessTopology> StartSystemAsync(
        Dictionary<string, string?> environment, IReadOnlyDictionary<string, string> native, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await ProcessTopology.StartAsync(environment, cancellationToken, nativeExecutables: native).ConfigureAwait(false);
            }
            catch (TopologyException ex) when (attempt < 3 && ex.Message.Contains("address already in use", StringComparison.OrdinalIgnoreCase))
            {
                Report.Progress($"a port was taken before a service could bind it; starting again (attempt {attempt + 1} of 3)");
            }
        }
    }

    /// <summary>The executables of <c>--r2r</c> and then <c>--aot</c> (which wins), by the entry assembly they replace.</summary>
    private static IReadOnlyDictionary<string, string> NativeExecutables(BenchmarkOptions options)
    {
        var executables = new Dictionary<string, string>(StringComparer.Ordinal);
        if (options.ReadyToRunDirectory is { } published)
        {
            foreach (var service in ReadyToRunServices)
            {
                var apphost = Path.Combine(published, service, service);
                executables[service + ".dll"] = File.Exists(apphost)
                    ? apphost
                    : throw new TopologyException($"no ReadyToRun build at {apphost}. Publish them with tests/Consilium.Benchmark/publish-r2r.sh {published}.");
            }
        }
        foreach (var (assembly, executable) in options.AotDirectory is { } folder ? NativeBuilds.In(folder) : new Dictionary<string, string>())
        {
            executables[assembly] = executable;
        }
        return executables;
    }

    private static readonly string[] ReadyToRunServices = ["Consilium.ModelSimulator", "Consilium.Agent", "Consilium.Orchestrator", "Consilium.Gateway"];

    /// <summary>Every process this benchmark started, services first, then redis-server.</summary>
    public IReadOnlyList<MeasuredProcess> MeasuredProcesses()
    {
        var processes = System.Processes.Select(p => new MeasuredProcess(p.Name, p.ProcessId)).ToList();
        if (_redis is not null && ChildRedisProcessId(_redis.Port) is { } pid)
        {
            processes.Add(new MeasuredProcess("redis-server", pid));
        }
        return processes;
    }

    /// <summary>Starts accounting CPU time to this benchmark's processes (the client, the services, Redis) and to the rest.</summary>
    public CpuShare MeasureCpu() => CpuShare.Start(() => MeasuredProcesses().Select(p => p.ProcessId));

    public void ResetPeaks()
    {
        foreach (var process in MeasuredProcesses())
        {
            PeakMemory.TryReset(process.ProcessId);
        }
    }

    public async ValueTask DisposeAsync()
    {
        _councilHttp.Dispose();
        Http.Dispose();
        await System.DisposeAsync().ConfigureAwait(false);
        if (_redis is not null)
        {
            await _redis.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>Our own child whose command line names the port (redis-server retitles itself "redis-server 127.0.0.1:port").</summary>
    private static int? ChildRedisProcessId(int port)
    {
        var self = Environment.ProcessId.ToString(CultureInfo.InvariantCulture);
        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(directory), out var pid))
            {
                continue;
            }
            try
            {
                var stat = File.ReadAllText(Path.Combine(directory, "stat"));
                var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                var commandLine = File.ReadAllText(Path.Combine(directory, "cmdline")).Replace('\0', ' ');
                if (fields[1] == self && commandLine.Contains("redis-server", StringComparison.Ordinal)
                    && commandLine.Contains(port.ToString(CultureInfo.InvariantCulture), StringComparison.Ordinal))
                {
                    return pid;
                }
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or IndexOutOfRangeException or ArgumentOutOfRangeException)
            {
                // gone, or not ours to read
            }
        }
        return null;
    }
}
