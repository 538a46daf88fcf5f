using System.Globalization;

namespace Consilium.Benchmark;

/// <summary>Which measurements to run.</summary>
[Flags]
public enum ScenarioSet
{
    None = 0,
    Hops = 1,
    Council = 2,
    Capacity = 4,
    Cpu = 8,
    Cold = 16,
    Https = 32,
    All = Cold | Cpu | Hops | Council | Capacity | Https,
    /// <summary>Not part of <see cref="All"/>: it starts a second copy of the system (Scenarios/TelemetryScenario.cs).</summary>
    Telemetry = 64,
    /// <summary>Not part of <see cref="All"/>: conversations' follow-up rounds against their first (Scenarios/FollowUpScenario.cs).</summary>
    FollowUp = 128,
}

/// <summary>The command line: what to measure, how hard, and for how long at most.</summary>
public sealed record BenchmarkOptions
{
    public ScenarioSet Scenarios { get; init; } = ScenarioSet.All;

    /// <summary>Concurrent streams per path in the per-hop scenario.</summary>
    public int Streams { get; init; } = 100;

    /// <summary>Measured rounds per path (each round is <see cref="Streams"/> streams); the samples are pooled.</summary>
    public int Rounds { get; init; } = 3;

    /// <summary>Text deltas per answer (the simulator's <c>tokens</c>).</summary>
    public int Tokens { get; init; } = 200;

    /// <summary>Deltas per second (the simulator's <c>rate</c>); the configured gap is 1000/rate ms.</summary>
    public double Rate { get; init; } = 50;

    /// <summary>The simulator's time to first token (<c>ttft</c>), ms.</summary>
    public int TtftMs { get; init; } = 100;

    /// <summary>Stream starts are spread evenly over this long (default: one configured gap, 1000/rate ms); 0 starts all at once.</summary>
    public double? RampMs { get; init; }

    /// <summary>
    /// The folder of <c>deploy/local/publish-native</c>: the Native AOT builds (<c>Consilium.Agent</c>,
    /// <c>Consilium.ModelSimulator</c>) and the ReadyToRun orchestrator and gateway, run as <c>./run</c> runs them.
    /// </summary>
    public string? AotDirectory { get; init; }

    /// <summary>
    /// A folder with the ReadyToRun builds the container images ship (<c>DIR/Consilium.X/Consilium.X</c>, published by
    /// <c>tests/Consilium.Benchmark/publish-r2r.sh</c>) to run instead of the JIT-only <c>bin</c> builds; Native AOT
    /// builds of <c>--aot</c> take precedence for their two services.
    /// </summary>
    public string? ReadyToRunDirectory { get; init; }

    /// <summary>Concurrent streams per path in the CPU-per-delta scenario.</summary>
    public int CpuStreams { get; init; } = 50;

    /// <summary>Answer length (tokens) in the CPU-per-delta scenario.</summary>
    public int CpuTokens { get; init; } = 40;

    /// <summary>Measured rounds per path in the CPU-per-delta scenario (CPU time is counted in 10 ms ticks: enough deltas make it exact).</summary>
    public int CpuRounds { get; init; } = 8;

    /// <summary>Councils measured one at a time against the same agents called alone.</summary>
    public int CouncilRounds { get; init; } = 8;

    /// <summary>Text deltas per agent in each capacity council.</summary>
    public int CapacityTokens { get; init; } = 100;

    /// <summary>The capacity search stops before a step that would end after this many seconds of searching.</summary>
    public int CapacitySeconds { get; init; } = 300;

    /// <summary>The capacity search's largest step.</summary>
    public int MaxCouncils { get; init; } = 640;

    /// <summary>Pass mark for the capacity search: every stream's inter-chunk gap p99 under this many ms.</summary>
    public double GapLimitMs { get; init; } = 50;

    /// <summary>Run the council event log on a private redis-server (as deployed) rather than in-process.</summary>
    public bool Redis { get; init; } = true;

    /// <summary>Also write the Markdown report to this file.</summary>
    public string? MarkdownPath { get; init; }

    /// <summary>Everything stops (and every process is killed) after this long.</summary>
    public int MaxSeconds { get; init; } = 1200;

    public bool Quick { get; init; }

    public double GapMs => 1000 / Rate;

    /// <summary>The agents' <c>max_tokens</c> (<c>AGENT_MAX_TOKENS</c>): never the limit of an answer here (the stance block adds ~45).</summary>
    public int MaxTokens => Math.Max(1024, Math.Max(Tokens, CapacityTokens) + 200);

    public TimeSpan Ramp => TimeSpan.FromMilliseconds(RampMs ?? GapMs);

    public const string Usage = """
        Consilium benchmark: starts the real services as separate processes on loopback, measures, prints Markdown tables.

          dotnet run --project tests/Consilium.Benchmark -c Release -- [options]

          --scenario all|cold|cpu|hops|council|capacity|https|telemetry|followup   what to measure; comma-separated for
                                  several (default all; telemetry, the OTLP exporter's cost, and followup, a conversation's
                                  later rounds against its first, run only when named)
          --quick                 a small run (~30 s): 20 streams, 20 tokens at 200/s, 1 round, 1 council round, 8 s capacity search
          --cpu-streams N         concurrent streams per path in the CPU-per-delta scenario (default 50)
          --cpu-tokens N          answer length in the CPU-per-delta scenario (default 40)
          --cpu-rounds N          measured rounds per path in the CPU-per-delta scenario (default 8)
          --streams N             concurrent streams per path in the per-hop scenario (default 100)
          --rounds N              measured rounds per path, pooled (default 3)
          --tokens N              answer length in tokens, one delta each; the simulator adds the stance block (default 200)
          --rate R                deltas per second; the configured gap is 1000/R ms (default 50)
          --ttft MS               the simulator's time to first token (default 100)
          --ramp-ms MS            spread stream starts over this long (default one gap, 1000/rate; 0 = all at once)
          --council-rounds N      councils measured one at a time against their agents alone (default 8)
          --capacity-tokens N     answer length per agent in each capacity council (default 100)
          --capacity-seconds S    time cap of the capacity search (default 300)
          --max-councils N        largest capacity step (default 640)
          --gap-limit MS          capacity pass mark: inter-chunk gap p99 under this (default 50)
          --aot DIR               run the builds of deploy/local/publish-native DIR, as ./run does (Native AOT agents and simulator, ReadyToRun orchestrator and gateway)
          --r2r DIR               run the ReadyToRun builds in DIR, as the images ship them (tests/Consilium.Benchmark/publish-r2r.sh DIR)
          --no-redis              the orchestrator keeps rate limits and event logs in-process instead of in a private redis-server
          --markdown PATH         also write the report to PATH
          --max-seconds S         hard stop for the whole run (default 1200)
        """;

    /// <summary>Parses the arguments; <c>--quick</c> sets small defaults that later options may override.</summary>
    public static BenchmarkOptions Parse(IReadOnlyList<string> args)
    {
        var options = args.Contains("--quick")
            ? new BenchmarkOptions
            {
                Quick = true,
                Streams = 20,
                Rounds = 1,
                Tokens = 20,
                Rate = 200,
                TtftMs = 50,
                CouncilRounds = 1,
                CpuRounds = 2,
                CapacityTokens = 40,
                CapacitySeconds = 8,
                MaxSeconds = 120,
            }
            : new BenchmarkOptions();

        for (var i = 0; i < args.Count; i++)
        {
            var name = args[i];
            string Value() => i + 1 < args.Count ? args[++i] : throw new ArgumentException($"{name} needs a value.");
            options = name switch
            {
                "--quick" => options,
                "--scenario" => options with { Scenarios = ParseScenarios(Value()) },
                "--cpu-streams" => options with { CpuStreams = Int(name, Value(), 1, 10_000) },
                "--cpu-tokens" => options with { CpuTokens = Int(name, Value(), 2, 100_000) },
                "--cpu-rounds" => options with { CpuRounds = Int(name, Value(), 1, 1_000) },
                "--streams" => options with { Streams = Int(name, Value(), 1, 10_000) },
                "--rounds" => options with { Rounds = Int(name, Value(), 1, 100) },
                "--tokens" => options with { Tokens = Int(name, Value(), 2, 100_000) },
                "--rate" => options with { Rate = Double(name, Value(), 1, 100_000) },
                "--ttft" => options with { TtftMs = Int(name, Value(), 0, 600_000) },
                "--ramp-ms" => options with { RampMs = Double(name, Value(), 0, 600_000) },
                "--council-rounds" => options with { CouncilRounds = Int(name, Value(), 1, 1_000) },
                "--capacity-tokens" => options with { CapacityTokens = Int(name, Value(), 2, 100_000) },
                "--capacity-seconds" => options with { CapacitySeconds = Int(name, Value(), 1, 86_400) },
                "--max-councils" => options with { MaxCouncils = Int(name, Value(), 1, 1_000) },
                "--gap-limit" => options with { GapLimitMs = Double(name, Value(), 1, 600_000) },
                "--no-redis" => options with { Redis = false },
                "--aot" => options with { AotDirectory = Directory.Exists(Value()) ? Path.GetFullPath(args[i]) : throw new ArgumentException($"--aot: no folder '{args[i]}'.") },
                "--r2r" => options with { ReadyToRunDirectory = Directory.Exists(Value()) ? Path.GetFullPath(args[i]) : throw new ArgumentException($"--r2r: no folder '{args[i]}'. Publish one with tests/Consilium.Benchmark/publish-r2r.sh {args[i]}.") },
                "--markdown" => options with { MarkdownPath = Value() },
                "--max-seconds" => options with { MaxSeconds = Int(name, Value(), 10, 86_400) },
                _ => throw new ArgumentException($"Unknown option '{name}'."),
            };
        }
        return options;
    }

    private static ScenarioSet ParseScenarios(string value)
    {
        var result = ScenarioSet.None;
        foreach (var part in value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            result |= part.ToLowerInvariant() switch
            {
                "all" => ScenarioSet.All,
                "hops" => ScenarioSet.Hops,
                "council" => ScenarioSet.Council,
                "capacity" => ScenarioSet.Capacity,
                "cpu" => ScenarioSet.Cpu,
                "cold" => ScenarioSet.Cold,
                "https" => ScenarioSet.Https,
                "telemetry" => ScenarioSet.Telemetry,
                "followup" => ScenarioSet.FollowUp,
                _ => throw new ArgumentException($"--scenario takes all, cold, cpu, hops, council, capacity, https, telemetry or followup (comma-separated), not '{part}'."),
            };
        }
        return result == ScenarioSet.None ? throw new ArgumentException("--scenario names no scenario.") : result;
    }

    private static int Int(string name, string value, int min, int max) =>
        int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) && n >= min && n <= max
            ? n
            : throw new ArgumentException($"{name} must be a whole number from {min} to {max}, not '{value}'.");

    private static double Double(string name, string value, double min, double max) =>
        double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var n) && n >= min && n <= max
            ? n
            : throw new ArgumentException($"{name} must be a number from {min} to {max}, not '{value}'.");
}
