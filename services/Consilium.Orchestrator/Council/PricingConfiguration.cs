using System.Globalization;
using Consilium.Council.Pricing;

namespace Consilium.Orchestrator.Council;

/// <summary>
/// The pricing table from configuration (docs/api.md#usage-and-cost): the defaults for the two default models, then
/// <c>PRICING__&lt;model&gt;__INPUT|OUTPUT|CACHEWRITE|CACHEREAD</c> per field, then <c>CONSILIUM_PRICING</c> (JSON,
/// whole entries), each overriding the one before. US dollars per million tokens.
/// </summary>
public static class PricingConfiguration
{
    public const string JsonVariable = "CONSILIUM_PRICING";
    public const string Section = "PRICING";

    public static PricingTable Read(IConfiguration configuration)
    {
        var prices = new Dictionary<string, ModelPrice>(PricingTable.Defaults, StringComparer.Ordinal);
        foreach (var model in configuration.GetSection(Section).GetChildren())
        {
            prices.TryGetValue(model.Key, out var known);
            var price = new ModelPrice(
                Field(model, "Input", known?.Input),
                Field(model, "Output", known?.Output),
                Field(model, "CacheWrite", known?.CacheWrite),
                Field(model, "CacheRead", known?.CacheRead));
            prices[model.Key] = price;
        }

        var json = configuration[JsonVariable];
        if (!string.IsNullOrWhiteSpace(json))
        {
            try
            {
                foreach (var (model, price) in PricingTable.ParseJson(json))
                {
                    prices[model] = price;
                }
            }
            catch (FormatException ex)
            {
                throw new ConfigurationErrorException($"{JsonVariable} is not a valid pricing table: {ex.Message}");
            }
        }
        return new PricingTable(prices);
    }

    private static decimal Field(IConfigurationSection model, string field, decimal? fallback)
    {
        var variable = $"{Section}__{model.Key}__{field.ToUpperInvariant()}";
        var raw = model[field];
        if (string.IsNullOrWhiteSpace(raw))
        {
            return fallback ?? throw new ConfigurationErrorException(
                $"{variable} is required: model '{model.Key}' has no default price, so give all four of INPUT, OUTPUT, CACHEWRITE and CACHEREAD (US dollars per million tokens).");
        }
        return decimal.TryParse(raw.Trim(), NumberStyles.Number, CultureInfo.InvariantCulture, out var value) && value >= 0
            ? value
            : throw new ConfigurationErrorException($"{variable} must be a non-negative number of US dollars per million tokens, not '{raw}'.");
    }
}
