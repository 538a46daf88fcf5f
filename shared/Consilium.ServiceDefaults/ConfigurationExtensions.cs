using System.Globalization;
using Microsoft.Extensions.Configuration;

namespace Consilium.ServiceDefaults;

/// <summary>Reading the contract's flat environment variables (docs/configuration.md); every error names its variable.</summary>
public static class ConsiliumConfiguration
{
    /// <summary>A comma-separated variable as a list of trimmed, non-empty entries.</summary>
    public static IReadOnlyList<string> GetList(this IConfiguration configuration, string name) =>
        (configuration[name] ?? "")
            .Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);

    /// <summary>The orchestrator→agent key for one agent: <c>INTERNAL_KEY_&lt;AGENTID&gt;</c>, else <c>INTERNAL_KEY</c>.</summary>
    public static string? GetInternalKey(this IConfiguration configuration, string agentId)
    {
        var specific = configuration["INTERNAL_KEY_" + agentId.ToUpperInvariant()];
        return string.IsNullOrWhiteSpace(specific) ? NullIfBlank(configuration["INTERNAL_KEY"]) : specific;
    }

    /// <summary>Longer than any timeout or retention the services configure, and well within what a timer accepts.</summary>
    public static readonly TimeSpan MaxDuration = TimeSpan.FromDays(1);

    /// <summary>
    /// A duration written as seconds (<c>30</c>, <c>0.5</c>) or as a <see cref="TimeSpan"/> (<c>00:00:30</c>), longer than
    /// zero and at most <see cref="MaxDuration"/>. A bare number is seconds, never days as
    /// <see cref="TimeSpan.Parse(string)"/> would read it.
    /// </summary>
    public static TimeSpan GetDuration(this IConfiguration configuration, string name, TimeSpan fallback)
    {
        var raw = configuration[name];
        if (string.IsNullOrWhiteSpace(raw))
        {
            return fallback;
        }
        raw = raw.Trim();
        TimeSpan value;
        if (double.TryParse(raw, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds)
            && double.IsFinite(seconds) && seconds <= TimeSpan.MaxValue.TotalSeconds)
        {
            value = TimeSpan.FromSeconds(seconds);
        }
        else if (!TimeSpan.TryParse(raw, CultureInfo.InvariantCulture, out value))
        {
            throw new ConfigurationErrorException($"{name} must be a duration in seconds (30) or as hh:mm:ss (00:00:30), not '{raw}'.");
        }
        return value > TimeSpan.Zero && value <= MaxDuration
            ? value
            : throw new ConfigurationErrorException($"{name} must be longer than zero and at most a day, not '{raw}'.");
    }

    /// <summary>A whole number from <paramref name="min"/> to <paramref name="max"/>.</summary>
    public static int GetInt(this IConfiguration configuration, string name, int fallback, int min, int max)
    {
        var raw = configuration[name];
        if (string.IsNullOrWhiteSpace(raw))
        {
            return fallback;
        }
        return int.TryParse(raw.Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) && value >= min && value <= max
            ? value
            : throw new ConfigurationErrorException($"{name} must be a whole number from {min} to {max}, not '{raw}'.");
    }

    /// <summary>An absolute http(s) URL, or <c>null</c> when the variable is unset.</summary>
    public static Uri? GetHttpUrl(this IConfiguration configuration, string name)
    {
        var raw = configuration[name];
        if (string.IsNullOrWhiteSpace(raw))
        {
            return null;
        }
        return Uri.TryCreate(raw.Trim(), UriKind.Absolute, out var url) && (url.Scheme == Uri.UriSchemeHttp || url.Scheme == Uri.UriSchemeHttps)
            ? url
            : throw new ConfigurationErrorException($"{name} must be an absolute http(s) URL, not '{raw}'.");
    }

    private static string? NullIfBlank(string? value) => string.IsNullOrWhiteSpace(value) ? null : value;
}
