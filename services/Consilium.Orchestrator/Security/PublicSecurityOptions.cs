using System.Net;

namespace Consilium.Orchestrator.Security;

/// <summary>
/// The public edge's settings, bound from the flat environment variables by <see cref="Read"/>
/// (<c>AddOptions&lt;PublicSecurityOptions&gt;().Configure&lt;IConfiguration&gt;(Read).ValidateOnStart()</c>; docs/configuration.md,
/// docs/security.md). Every value is checked when the replica starts; a bad one stops it with one line naming the variable.
/// </summary>
public sealed class PublicSecurityOptions
{
    public const int DefaultRateLimitPerMinute = 20;
    public const int DefaultCouncilStreamsPerClient = 2;
    public const string DefaultTrustedProxies = "127.0.0.0/8,::1/128";

    /// <summary>The contract's window: <c>RATE_LIMIT_PER_MINUTE</c> requests per client per 60 s.</summary>
    public TimeSpan RateLimitWindow { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary><c>RATE_LIMIT_PER_MINUTE</c>.</summary>
    public int RateLimitPerMinute { get; set; } = DefaultRateLimitPerMinute;

    /// <summary><c>COUNCIL_STREAMS_PER_CLIENT</c>: council streams one client may hold open at once (each costs ten upstream streams).</summary>
    public int CouncilStreamsPerClient { get; set; } = DefaultCouncilStreamsPerClient;

    /// <summary><c>ALLOWED_ORIGINS</c>, else <c>PUBLIC_ORIGIN</c>; normalised <c>scheme://host[:port]</c>.</summary>
    public IReadOnlySet<string> AllowedOrigins { get; set; } = new HashSet<string>(StringComparer.OrdinalIgnoreCase);

    /// <summary><c>TRUSTED_PROXIES</c>: peers whose <c>X-Forwarded-For</c> entry is believed (the gateway's addresses).</summary>
    public IReadOnlyList<IPNetwork> TrustedProxies { get; set; } = NetworkList.Parse("TRUSTED_PROXIES", DefaultTrustedProxies);

    /// <summary><c>CLOUDFLARE_IP_RANGES</c>: when set, <c>CF-Connecting-IP</c> is believed from a hop inside these ranges.</summary>
    public IReadOnlyList<IPNetwork> CloudflareRanges { get; set; } = [];

    public static void Read(PublicSecurityOptions options, IConfiguration configuration)
    {
        var origins = configuration.GetList("ALLOWED_ORIGINS");
        var originVariable = "ALLOWED_ORIGINS";
        if (origins.Count == 0)
        {
            origins = configuration.GetList("PUBLIC_ORIGIN");
            originVariable = "PUBLIC_ORIGIN";
        }
        options.RateLimitPerMinute = configuration.GetInt("RATE_LIMIT_PER_MINUTE", DefaultRateLimitPerMinute, min: 1, max: 100_000);
        options.CouncilStreamsPerClient = configuration.GetInt("COUNCIL_STREAMS_PER_CLIENT", DefaultCouncilStreamsPerClient, min: 1, max: 1_000);
        options.AllowedOrigins = origins.Select(origin => NormaliseOrigin(originVariable, origin)).ToHashSet(StringComparer.OrdinalIgnoreCase);
        options.TrustedProxies = NetworkList.Parse("TRUSTED_PROXIES", configuration["TRUSTED_PROXIES"] ?? DefaultTrustedProxies);
        options.CloudflareRanges = NetworkList.Parse("CLOUDFLARE_IP_RANGES", configuration["CLOUDFLARE_IP_RANGES"] ?? "");
    }

    /// <summary>An origin as browsers send it: lower-case <c>scheme://host</c>, the port only when it is not the default.</summary>
    public static string NormaliseOrigin(string variable, string value)
    {
        if (value is "*" or "null")
        {
            throw new ConfigurationErrorException($"{variable} may not contain '{value}': list each exact origin, e.g. https://consilium.example.com.");
        }
        if (!Uri.TryCreate(value, UriKind.Absolute, out var uri)
            || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps)
            || uri.UserInfo.Length > 0 || uri.AbsolutePath != "/" || uri.Query.Length > 0 || uri.Fragment.Length > 0)
        {
            throw new ConfigurationErrorException($"{variable} has '{value}', which is not an origin of the form https://host[:port] (no path, query or user).");
        }
        return uri.GetLeftPart(UriPartial.Authority).ToLowerInvariant();
    }
}
