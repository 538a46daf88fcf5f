using System.Diagnostics.CodeAnalysis;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Consilium.Streaming;

namespace Consilium.Council.Pricing;

/// <summary>
/// Prices per model. Starts from <see cref="Defaults"/> (the two default models); configuration adds or replaces
/// entries. Anthropic's <c>input_tokens</c> counts only uncached input, so the cost of one message is
/// <c>(input·in + output·out + cache_creation·cacheWrite + cache_read·cacheRead) / 10⁶</c> and its cache saving is
/// <c>cache_read · (in − cacheRead) / 10⁶</c>. A model without a price costs 0 (see <see cref="TryGet"/>).
/// </summary>
public sealed class PricingTable
{
    private const decimal PerMillion = 1_000_000m;

    public static IReadOnlyDictionary<string, ModelPrice> Defaults { get; } = new Dictionary<string, ModelPrice>(StringComparer.Ordinal)
    {
        ["claude-sonnet-4-20250514"] = new(3m, 15m, 3.75m, 0.30m),
        ["claude-haiku-4-5-20251001"] = new(1m, 5m, 1.25m, 0.10m),
    };

    private readonly Dictionary<string, ModelPrice> _prices;

    public PricingTable(IEnumerable<KeyValuePair<string, ModelPrice>>? overrides = null)
    {
        _prices = new Dictionary<string, ModelPrice>(Defaults, StringComparer.Ordinal);
        foreach (var (model, price) in overrides ?? [])
        {
            _prices[model] = price;
        }
    }

    public IReadOnlyDictionary<string, ModelPrice> Prices => _prices;

    public bool TryGet(string? model, [NotNullWhen(true)] out ModelPrice? price)
    {
        price = null;
        return model is not null && _prices.TryGetValue(model, out price);
    }

    /// <summary>The cost of one message's usage on a model; zero when the model has no price.</summary>
    public Cost Price(string? model, Usage usage)
    {
        if (!TryGet(model, out var price))
        {
            return default;
        }
        var usd = (usage.InputTokens * price.Input
            + usage.OutputTokens * price.Output
            + usage.CacheCreationInputTokens * price.CacheWrite
            + usage.CacheReadInputTokens * price.CacheRead) / PerMillion;
        var savings = usage.CacheReadInputTokens * (price.Input - price.CacheRead) / PerMillion;
        return new Cost(usd, savings);
    }

    /// <summary>
    /// Reads prices from JSON: <c>{"&lt;model&gt;": {"input": 3, "output": 15, "cacheWrite": 3.75, "cacheRead": 0.3}}</c>
    /// (US dollars per million tokens; property names case-insensitive; every field required, none negative).
    /// Throws <see cref="FormatException"/> with an actionable message otherwise.
    /// </summary>
    private static readonly JsonTypeInfo<Dictionary<string, ModelPrice?>> PriceJson = (JsonTypeInfo<Dictionary<string, ModelPrice?>>)new JsonSerializerOptions
    {
        PropertyNameCaseInsensitive = true,
        RespectRequiredConstructorParameters = true,
        TypeInfoResolver = CouncilJson.Default,
    }.GetTypeInfo(typeof(Dictionary<string, ModelPrice?>));

    public static IReadOnlyDictionary<string, ModelPrice> ParseJson(string json)
    {
        Dictionary<string, ModelPrice?>? parsed;
        try
        {
            parsed = JsonSerializer.Deserialize(json, PriceJson);
        }
        catch (JsonException ex)
        {
            throw new FormatException(
                "expected {\"<model>\": {\"input\": n, \"output\": n, \"cacheWrite\": n, \"cacheRead\": n}} in US dollars per million tokens: " + ex.Message, ex);
        }
        var prices = new Dictionary<string, ModelPrice>(StringComparer.Ordinal);
        foreach (var (model, price) in parsed ?? [])
        {
            prices[model] = Validate(model, price);
        }
        return prices;
    }

    /// <summary>Checks one price: present and no field negative.</summary>
    public static ModelPrice Validate(string model, ModelPrice? price)
    {
        if (string.IsNullOrWhiteSpace(model))
        {
            throw new FormatException("a model name is empty.");
        }
        if (price is null)
        {
            throw new FormatException($"model '{model}' has no price.");
        }
        if (price.Input < 0 || price.Output < 0 || price.CacheWrite < 0 || price.CacheRead < 0)
        {
            throw new FormatException($"model '{model}' has a negative price.");
        }
        return price;
    }
}
