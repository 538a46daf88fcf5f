namespace Consilium.ModelSimulator.Generation;

/// <summary>
/// The fixed topic names every seat uses in its stance block, so that the same sub-question is named the same way
/// across the council and disagreements line up into axes.
/// </summary>
public static class Topics
{
    public const string Financing = "financing";
    public const string Demand = "demand";
    public const string Regulation = "regulation";
    public const string Construction = "construction";
    public const string Operations = "operations";
    public const string Technology = "technology";
    public const string Community = "community";
    public const string Climate = "climate";
    public const string Timing = "timing";

    public static IReadOnlyList<string> All { get; } =
        [Financing, Demand, Regulation, Construction, Operations, Technology, Community, Climate, Timing];

    /// <summary>Word stems that tie a question to a topic.</summary>
    private static readonly Dictionary<string, string[]> Stems = new(StringComparer.Ordinal)
    {
        [Financing] = ["loan", "debt", "financ", "capital", "interest", "equity", "fund", "yield", "cap rate", "invest", "price", "valuation", "mortgage", "lender", "irr", "return"],
        [Demand] = ["demand", "rent", "tenant", "buyer", "market", "absorption", "occupancy", "vacan", "population", "lease", "renter", "student", "household"],
        [Regulation] = ["zoning", "zone", "permit", "entitle", "regulat", "law", "code", "approval", "rezon", "policy", "tax", "council", "planning"],
        [Construction] = ["build", "construct", "convert", "conversion", "renovat", "retrofit", "develop", "contractor", "modular", "demoli", "storey", "floor"],
        [Operations] = ["operat", "manag", "maintenance", "staff", "noi", "service", "amenit", "hotel", "coliving", "co-living", "self-storage"],
        [Technology] = ["tech", "software", "data", "sensor", "smart", " ai", "platform", "digital", "app", "automat", "iot", "tokeni", "blockchain"],
        [Community] = ["community", "neighbo", "afford", "displace", "resident", "local", "social", "homeless", "family", "families"],
        [Climate] = ["climate", "flood", "energy", "carbon", "heat", "insur", "solar", "emission", "green", "sustainab", "resilien", "coastal", "wildfire", "net zero"],
        [Timing] = ["now", "timing", "wait", "cycle", "soon", "delay", "this year", "next year", "phase", "2025", "2026", "2027"],
    };

    /// <summary>The topics a question touches, most mentioned first (ties: earliest mention, then <see cref="All"/> order).</summary>
    public static IReadOnlyList<string> In(string question)
    {
        var text = " " + question.ToLowerInvariant();
        return
        [
            .. All
                .Select(topic => (Topic: topic, Hits: Stems[topic].Select(stem => text.IndexOf(stem, StringComparison.Ordinal)).Where(at => at >= 0).ToList()))
                .Where(found => found.Hits.Count > 0)
                .OrderByDescending(found => found.Hits.Count)
                .ThenBy(found => found.Hits.Min())
                .Select(found => found.Topic),
        ];
    }
}
