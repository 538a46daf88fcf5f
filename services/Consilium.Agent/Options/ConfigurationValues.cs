using System.Globalization;

namespace Consilium.Agent.Options;

/// <summary>Reads the typed values of the flat environment variables; every error names its variable.</summary>
public static class ConfigurationValues
{
    /// <summary>Longer than any answer should take, and well within what a timer accepts.</summary>
    public static readonly TimeSpan MaxDuration = TimeSpan.FromDays(1);

    /// <summary>
    /// A duration written as seconds (<c>30</c>, <c>0.5</c>) or as a <see cref="TimeSpan"/> (<c>00:00:30</c>).
    /// A bare number is seconds, never days as <see cref="TimeSpan.Parse(string)"/> would read it.
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

    /// <summary>A whole number within a range.</summary>
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

    /// <summary>An absolute http(s) URL.</summary>
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
}
