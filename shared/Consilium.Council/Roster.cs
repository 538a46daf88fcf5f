using System.Diagnostics.CodeAnalysis;

namespace Consilium.Council;

/// <summary>The ten seats of the council, in the order the contract fixes (docs/api.md#conventions).</summary>
public static class Roster
{
    public static IReadOnlyList<AgentProfile> All { get; } =
    [
        new("vasquez", "Dr. Elena Vasquez", "Real-estate capital markets & finance",
            "Prices every decision through cap rates, debt terms and the cost of capital; trusts cash flows over narratives."),
        new("webb", "Marcus Webb", "Construction & development delivery",
            "Thirty years of building things: cost, schedule, buildability and the gap between renderings and reality."),
        new("chen", "Dr. Lin Chen", "Urban economics & market data",
            "Reads demand from demographics, migration, jobs and absorption data; distrusts anecdotes and single comps."),
        new("okafor", "Adaeze Okafor", "Land use, zoning & regulation",
            "Entitlements, zoning codes, tenant law and political process: what is allowed, when, and at what risk."),
        new("mitchell", "Sarah Mitchell", "Asset & property operations",
            "Net operating income line by line: tenants, maintenance, staffing and what actually happens after closing."),
        new("nakamura", "Kenji Nakamura", "Proptech & data infrastructure",
            "Software, sensors and data platforms in buildings: what technology really changes, integrates or costs."),
        new("diallo", "Dr. Amara Diallo", "Housing policy & community impact",
            "Affordability, displacement and community consent: who gains, who pays, and what the neighbourhood will accept."),
        new("harlow", "James Harlow", "Climate risk & building performance",
            "Physical climate risk, insurance, energy codes and decarbonisation costs priced over a thirty-year hold."),
        new("deleon", "Isabel de León", "Leasing, brokerage & tenant demand",
            "What tenants and buyers are signing this quarter: concessions, pipeline, velocity and the mood of the market."),
        new("cross", "Victor Cross", "Red team (contrarian)",
            "The council's designated dissenter: attacks the consensus, hunts hidden assumptions and the way a plan fails."),
    ];

    private static readonly Dictionary<string, AgentProfile> ById =
        All.ToDictionary(agent => agent.Id, StringComparer.Ordinal);

    public static IReadOnlyList<string> Ids { get; } = [.. All.Select(agent => agent.Id)];

    public static bool TryGet(string? id, [NotNullWhen(true)] out AgentProfile? profile)
    {
        profile = null;
        return id is not null && ById.TryGetValue(id, out profile);
    }
}
