using System.Globalization;
using Consilium.ModelSimulator.Faults;
using Microsoft.Extensions.Options;

namespace Consilium.ModelSimulator.Options;

/// <summary>
/// Reads <see cref="SimulatorOptions"/> from configuration. A bad value throws <see cref="ConfigurationErrorException"/>
/// naming the variable; options are resolved at start-up (<c>ValidateOnStart</c>), so the service stops with that one line.
/// </summary>
internal sealed class SimulatorOptionsSetup(IConfiguration configuration) : IConfigureOptions<SimulatorOptions>
{
    public void Configure(SimulatorOptions options)
    {
        options.TtftMs = configuration.GetInt("SIM_TTFT_MS", options.TtftMs, min: 0, max: 600_000);
        options.TokensPerSecond = ReadDouble("SIM_TOKENS_PER_SECOND", options.TokensPerSecond, min: 0, max: 1_000_000, "tokens per second, 0 for unthrottled");
        options.OutputTokens = configuration.GetInt("SIM_OUTPUT_TOKENS", options.OutputTokens, min: 1, max: 100_000);
        options.CacheMinTokens = configuration.GetInt("SIM_CACHE_MIN_TOKENS", options.CacheMinTokens, min: 1, max: 10_000_000);
        options.RequestLogSize = configuration.GetInt("SIM_REQUEST_LOG_SIZE", options.RequestLogSize, min: 1, max: 1_000_000);
        options.ApiKey = Blank(configuration["SIM_API_KEY"]) ? null : configuration["SIM_API_KEY"]!.Trim();

        var faults = configuration["SIM_FAULTS"];
        if (!Blank(faults))
        {
            if (!DirectiveParser.TryParseList(faults!, out var directives, out var error))
            {
                throw new ConfigurationErrorException($"SIM_FAULTS is not a valid directive list ({error}); e.g. SIM_FAULTS=\"[[sim fault=529 probability=0.1]]\".");
            }
            options.Faults = directives;
        }
    }

    private double ReadDouble(string name, double fallback, double min, double max, string unit)
    {
        var raw = configuration[name];
        if (Blank(raw))
        {
            return fallback;
        }
        if (!double.TryParse(raw!.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out var value)
            || double.IsNaN(value) || value < min || value > max)
        {
            throw new ConfigurationErrorException($"{name} must be a number from {min} to {max} ({unit}); got '{raw}'.");
        }
        return value;
    }

    private static bool Blank(string? value) => string.IsNullOrWhiteSpace(value);
}
