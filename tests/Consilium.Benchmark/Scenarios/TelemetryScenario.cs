using Consilium.Benchmark.Hosting;
using Consilium.Benchmark.Measurement;
using Consilium.Benchmark.Reporting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Consilium.Benchmark.Scenarios;

/// <summary>
/// What telemetry costs (docs/observability.md#cost): the same council load on copies of the system in the same run —
/// the copy the rest of the benchmark uses (OpenTelemetry registered, no exporter), one exporting traces, metrics and
/// logs over OTLP/HTTP protobuf to a sink in this process (which reads and drops the bytes, as a collector would take
/// them) with its defaults (Redis commands traced), and one exporting the same way with <c>OTEL_TRACE_REDIS=false</c>.
/// Per-delta CPU: blocks of the same councils, the copies' order rotated from block to block (so a drift of the
/// machine's load falls on each alike), each while the others idle; the figure is the CPU time of the copy's own
/// processes (services and redis-server, from /proc) per delta delivered to the client, with each block's own
/// figure and the spread of the differences, so a reader sees how far one run can be trusted. Capacity: the same
/// steps of concurrent councils on each copy in turn, until a step's gap p99 passes the limit or a stream fails.
/// </summary>
public sealed class TelemetryScenario(BenchTopology off, BenchmarkOptions options, Report report)
{
    private const string Off = "off";
    private const string On = "on";
    private const string OnUntracedRedis = "on, OTEL_TRACE_REDIS=false";

    private int Blocks => options.Quick ? 2 : 6;

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        await using var sink = await OtlpSink.StartAsync(cancellationToken);
        Report.Progress("telemetry: starting a second copy of the system that exports OTLP");
        await using var on = await BenchTopology.StartAsync(options, options.Redis, cancellationToken, Exporting(sink, traceRedis: null));
        Report.Progress("telemetry: starting a third copy that exports OTLP without Redis command spans");
        await using var untraced = await BenchTopology.StartAsync(options, options.Redis, cancellationToken, Exporting(sink, traceRedis: "false"));
        var copies = new (string Name, BenchTopology Topology)[] { (Off, off), (On, on), (OnUntracedRedis, untraced) };
        var councils = options.Quick ? 4 : 10;
        var message = $"{Requests.Pace(options.TtftMs, options.Rate, options.CapacityTokens)} {Requests.Question}";

        foreach (var (name, topology) in copies)
        {
            Report.Progress($"telemetry: warming up the copy with the exporter {name}");
            for (var round = 0; round < (options.Quick ? 1 : 4); round++)
            {
                await RunBlockAsync(topology, councils, message, cancellationToken);
            }
        }

        var results = copies.ToDictionary(c => c.Name, _ => new List<Block>());
        var sentBefore = (sink.Requests, sink.Bytes);
        for (var block = 0; block < Blocks; block++)
        {
            for (var i = 0; i < copies.Length; i++)
            {
                var (name, topology) = copies[(block + i) % copies.Length];
                Report.Progress($"telemetry: block {block + 1} of {Blocks}, exporter {name}, {councils} concurrent councils");
                results[name].Add(await RunBlockAsync(topology, councils, message, cancellationToken));
            }
        }
        var sent = (Requests: sink.Requests - sentBefore.Requests, Bytes: sink.Bytes - sentBefore.Bytes);

        double PerDelta(IEnumerable<Block> blocks) => blocks.Sum(b => b.CpuSeconds) * 1e6 / blocks.Sum(b => b.Deltas);
        var baseline = PerDelta(results[Off]);
        var table = new MarkdownTable("exporter", "councils", "deltas", "failed", "CPU s (the copy's processes)", "CPU µs per delta",
            "per block (µs per delta)", "vs off", "vs off per block pair: min … median … max", "gap p99 ms");
        foreach (var (name, blocks) in results)
        {
            var perDelta = PerDelta(blocks);
            var pairs = blocks.Zip(results[Off], (mine, theirs) => (PerDelta([mine]) - PerDelta([theirs])) / PerDelta([theirs]) * 100).ToArray();
            table.Row(name, blocks.Sum(b => b.Councils), blocks.Sum(b => b.Deltas), blocks.Sum(b => b.Failed), blocks.Sum(b => b.CpuSeconds).ToString("0.00"),
                perDelta.ToString("0.0"), string.Join(" ", blocks.Select(b => PerDelta([b]).ToString("0"))),
                name == Off ? "–" : Signed((perDelta - baseline) / baseline * 100),
                name == Off ? "–" : $"{Signed(pairs.Min())} … {Signed(new Distribution(pairs).P50)} … {Signed(pairs.Max())}",
                MarkdownTable.Ms(new Distribution(blocks.SelectMany(b => b.Gaps)).P99));
        }
        report.Line("### Telemetry cost: OTLP exporter off and on, same run");
        report.Line();
        report.Line($"{Blocks} blocks per copy of {councils} concurrent councils (ten agents each, {options.CapacityTokens} deltas per " +
            $"agent at {options.Rate:0.#}/s, no synthesis) after a warm-up, the copies' order rotated per block. CPU is the copy's own " +
            $"processes (its services and redis-server; not this client, not the OTLP sink), from /proc. Event log and rate limits: {off.Stores}. " +
            $"The two exporting copies sent {sent.Requests} OTLP requests, {sent.Bytes / 1024.0 / 1024:0.0} MiB, during the measured blocks.");
        report.Line();
        report.Table(table);
        var pairedOn = new Distribution(results[On].Zip(results[Off], (mine, theirs) => (PerDelta([mine]) - PerDelta([theirs])) / PerDelta([theirs]) * 100)).P50;
        var pairedRedis = new Distribution(results[On].Zip(results[OnUntracedRedis], (mine, theirs) => (PerDelta([mine]) - PerDelta([theirs])) / PerDelta([theirs]) * 100)).P50;
        report.Line($"Telemetry exporter cost: {Signed((PerDelta(results[On]) - baseline) / baseline * 100)} CPU per delta over all blocks, " +
            $"{Signed(pairedOn)} as the median of the block pairs; Redis command spans: " +
            $"{Signed((PerDelta(results[On]) - PerDelta(results[OnUntracedRedis])) / PerDelta(results[OnUntracedRedis]) * 100)} over all blocks, " +
            $"{Signed(pairedRedis)} as the median of the block pairs, against the exporting copy without them. A spread of the block " +
            "pairs wider than the difference means this run cannot tell the copies apart: measure again on a quieter machine.");
        report.Line();

        await CapacityAsync(copies, message, cancellationToken);
    }

    /// <summary>Steps of 1, 2, 3, 5, 7, 10, 15, 20, 30, 40, 60, 80, … councils, each copy in turn, until each has failed a step.</summary>
    private async Task CapacityAsync((string Name, BenchTopology Topology)[] copies, string message, CancellationToken cancellationToken)
    {
        var steps = copies.ToDictionary(c => c.Name, _ => new List<CapacityScenario.Step>());
        var failed = new HashSet<string>();
        var searching = Clock.Now();
        foreach (var councils in StepSizes().TakeWhile(n => n <= options.MaxCouncils))
        {
            if (failed.Count == copies.Length || Clock.MsSince(searching) > options.CapacitySeconds * 1000)
            {
                break;
            }
            foreach (var (name, topology) in copies.Where(c => !failed.Contains(c.Name)))
            {
                Report.Progress($"telemetry: capacity, {councils} concurrent councils, exporter {name}");
                var step = await CapacityScenario.StepAsync(topology, options, councils, message, cancellationToken);
                steps[name].Add(step);
                if (!step.Passed(options.GapLimitMs))
                {
                    failed.Add(name);
                }
            }
        }

        var table = new MarkdownTable("exporter", "largest passing step (councils)", "first failing step", "why", "gap p99 at each step (ms)");
        foreach (var (name, tried) in steps)
        {
            var failure = tried.FirstOrDefault(s => !s.Passed(options.GapLimitMs));
            var passed = tried.Where(s => s.Passed(options.GapLimitMs)).Select(s => s.Councils).DefaultIfEmpty(0).Max();
            table.Row(name, passed, failure?.Councils.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "none (time cap)",
                failure is null ? "–" : failure.Failure ?? $"gap p99 {failure.Gaps.P99:0.0} ms",
                string.Join(" ", tried.Select(s => $"{s.Councils}:{s.Gaps.P99:0}")));
        }
        report.Line($"Council capacity with and without the exporter: the same steps on each copy in turn (pass: every stream's gap p99 " +
            $"under {options.GapLimitMs:0} ms, no errors; time cap {options.CapacitySeconds} s). Steps are coarse (1, 2, 3, 5, 7, 10, 15, 20, 30, 40, 60, …): " +
            "a difference within one step is within what this machine's load can move.");
        report.Line();
        report.Table(table);
    }

    private static IEnumerable<int> StepSizes()
    {
        int[] first = [1, 2, 3, 5, 7, 10, 15, 20, 30];
        foreach (var n in first)
        {
            yield return n;
        }
        for (var n = 40; n < int.MaxValue / 3; n *= 2)
        {
            yield return n;
            yield return n * 3 / 2;
        }
    }

    private static Dictionary<string, string?> Exporting(OtlpSink sink, string? traceRedis) => new()
    {
        ["OTEL_EXPORTER_OTLP_ENDPOINT"] = sink.Endpoint,
        ["OTEL_EXPORTER_OTLP_PROTOCOL"] = "http/protobuf",
        ["OTEL_TRACE_REDIS"] = traceRedis,
    };

    private static string Signed(double percent) => percent.ToString("+0.0;-0.0;0.0", System.Globalization.CultureInfo.InvariantCulture) + " %";

    private static async Task<Block> RunBlockAsync(BenchTopology topology, int councils, string message, CancellationToken cancellationToken)
    {
        var processes = topology.MeasuredProcesses();
        var ticksBefore = processes.Sum(p => CpuShare.ProcessTicks(p.ProcessId));
        var batch = await Load.RunAsync(councils, TimeSpan.FromMilliseconds(200), _ => CouncilTimer.RunAsync(
            topology.Council, Requests.Council(message), cancellationToken), cancellationToken);
        var ticks = processes.Sum(p => CpuShare.ProcessTicks(p.ProcessId)) - ticksBefore;
        var agents = batch.Results.SelectMany(r => r.Agents.Values).ToArray();
        return new Block(
            councils,
            batch.Results.Count(r => !r.Succeeded),
            agents.Sum(a => a.Deltas),
            ticks / (double)ClockTicksPerSecond,
            [.. agents.SelectMany(a => a.GapsMs)]);
    }

    /// <summary>USER_HZ: /proc counts CPU time in these (100 on Linux whatever the kernel's own tick rate).</summary>
    private const int ClockTicksPerSecond = 100;

    private sealed record Block(int Councils, int Failed, long Deltas, double CpuSeconds, IReadOnlyList<double> Gaps);

    /// <summary>Accepts OTLP/HTTP exports on loopback and drops them, counting requests and bytes.</summary>
    private sealed class OtlpSink : IAsyncDisposable
    {
        private readonly WebApplication _app;
        private long _requests;
        private long _bytes;

        private OtlpSink(WebApplication app) => _app = app;

        public string Endpoint { get; private set; } = "";

        public long Requests => Interlocked.Read(ref _requests);

        public long Bytes => Interlocked.Read(ref _bytes);

        public static async Task<OtlpSink> StartAsync(CancellationToken cancellationToken)
        {
            var builder = WebApplication.CreateSlimBuilder();
            builder.WebHost.UseUrls("http://127.0.0.1:0");
            builder.Logging.ClearProviders();
            var app = builder.Build();
            var sink = new OtlpSink(app);
            app.MapPost("/v1/{signal}", async (HttpContext context) =>
            {
                var buffer = new byte[16 * 1024];
                int read;
                while ((read = await context.Request.Body.ReadAsync(buffer, context.RequestAborted)) > 0)
                {
                    Interlocked.Add(ref sink._bytes, read);
                }
                Interlocked.Increment(ref sink._requests);
                context.Response.ContentType = "application/x-protobuf";
            });
            await app.StartAsync(cancellationToken);
            sink.Endpoint = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First();
            return sink;
        }

        public async ValueTask DisposeAsync()
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
    }
}
