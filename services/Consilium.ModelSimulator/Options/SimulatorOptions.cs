using System.Globalization;
using Consilium.ModelSimulator.Faults;

namespace Consilium.ModelSimulator.Options;

/// <summary>
/// How the simulator behaves, read from the flat <c>SIM_*</c> environment variables (docs/configuration.md) by
/// <see cref="Read"/>: a bad value throws <see cref="ConfigurationErrorException"/> naming the variable, and the options
/// are validated at start-up, so the service stops with that one line.
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

    public static void Read(SimulatorOptions options, IConfiguration configuration)
    {
        options.TtftMs = configuration.GetInt("SIM_TTFT_MS", options.TtftMs, min: 0, max: 600_000);
        options.TokensPerSecond = ReadDouble(configuration, "SIM_TOKENS_PER_SECOND", options.TokensPerSecond, min: 0, max: 1_000_000, "tokens per second, 0 for unthrottled");
        options.OutputTokens = configuration.GetInt("SIM_OUTPUT_TOKENS", options.OutputTokens, min: 1, max: 100_000);
        options.CacheMinTokens = configuration.GetInt("SIM_CACHE_MIN_TOKENS", options.CacheMinTokens, min: 1, max: 10_000_000);
        options.RequestLogSize = configuration.GetInt("SIM_REQUEST_LOG_SIZE", options.RequestLogSize, min: 1, max: 1_000_000);
        options.ApiKey = string.IsNullOrWhiteSpace(configuration["SIM_API_KEY"]) ? null : configuration["SIM_API_KEY"]!.Trim();

        var faults = configuration["SIM_FAULTS"];
        if (!string.IsNullOrWhiteSpace(faults))
        {
            if (!DirectiveParser.TryParseList(faults, out var directives, out var error))
            {
                throw new ConfigurationErrorException($"SIM_FAULTS is not a valid directive list ({error}); e.g. SIM_FAULTS=\"[[sim fault=529 probability=0.1]]\".");
            }
            options.Faults = directives;
        }
    }

    private static double ReadDouble(IConfiguration configuration, string name, double fallback, double min, double max, string unit)
    {
        var raw = configuration[name];
        if (string.IsNullOrWhiteSpace(raw))
        {
            return fallback;
        }
        if (!double.TryParse(raw.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out var value)
            || double.IsNaN(value) || value < min || value > max)
        {
            throw new ConfigurationErrorException($"{name} must be a number from {min} to {max} ({unit}); got '{raw}'.");
        }
        return value;
    }
}
