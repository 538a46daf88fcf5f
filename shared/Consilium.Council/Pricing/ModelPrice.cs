using System.Text.Json.Serialization;

namespace Consilium.Council.Pricing;

/// <summary>What a model costs, in US dollars per million tokens of each kind.</summary>
public sealed record ModelPrice(
    [property: JsonPropertyName("input")] decimal Input,
    [property: JsonPropertyName("output")] decimal Output,
    [property: JsonPropertyName("cacheWrite")] decimal CacheWrite,
    [property: JsonPropertyName("cacheRead")] decimal CacheRead);

/// <summary>
/// A price in US dollars: <see cref="Usd"/> is what the tokens cost; <see cref="CacheSavingsUsd"/> is what the
/// cache reads saved against paying the full input price for those tokens (the cache-write premium is part of
/// <see cref="Usd"/> and is not subtracted).
/// </summary>
public readonly record struct Cost(decimal Usd, decimal CacheSavingsUsd)
{
    public static Cost operator +(Cost left, Cost right) =>
        new(left.Usd + right.Usd, left.CacheSavingsUsd + right.CacheSavingsUsd);

    /// <summary>Rounded to a millionth of a dollar for display.</summary>
    public Cost Rounded() =>
        new(Math.Round(Usd, 6, MidpointRounding.AwayFromZero), Math.Round(CacheSavingsUsd, 6, MidpointRounding.AwayFromZero));
}
