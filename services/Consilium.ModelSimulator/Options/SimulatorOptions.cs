using Consilium.ModelSimulator.Faults;

namespace Consilium.ModelSimulator.Options;

/// <summary>
/// How the simulator behaves, read from the flat <c>SIM_*</c> environment variables (README "Configuration").
/// </summary>
public sealed class SimulatorOptions
{
    /// <summary><c>SIM_TTFT_MS</c>: milliseconds from the request to the first text delta.</summary>
    public int TtftMs { get; set; } = 400;

    /// <summary><c>SIM_TOKENS_PER_SECOND</c>: text deltas per second; 0 sends them as fast as the connection takes them.</summary>
    public double TokensPerSecond { get; set; } = 60;

    /// <summary><c>SIM_OUTPUT_TOKENS</c>: the length of a persona answer in tokens (the stance block included).</summary>
    public int OutputTokens { get; set; } = 260;

    /// <summary><c>SIM_FAULTS</c>: directives applied to every request.</summary>
    public IReadOnlyList<SimDirective> Faults { get; set; } = [];

    /// <summary><c>SIM_API_KEY</c>: when set, requests must carry it in <c>x-api-key</c> (or as a bearer token).</summary>
    public string? ApiKey { get; set; }

    /// <summary><c>SIM_CACHE_MIN_TOKENS</c>: the shortest prefix that is cached, as on the real API.</summary>
    public int CacheMinTokens { get; set; } = 1024;

    /// <summary>How long a cached prefix lives without a hit (the real API's ephemeral TTL).</summary>
    public TimeSpan CacheTtl { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary><c>SIM_REQUEST_LOG_SIZE</c>: how many recent requests <c>GET /sim/requests</c> keeps.</summary>
    public int RequestLogSize { get; set; } = 1000;
}
