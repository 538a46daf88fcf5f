using static Consilium.ModelSimulator.Generation.Topics;

namespace Consilium.ModelSimulator.Generation;

/// <summary>The simulator's own voice for each council seat (ids as in <c>Consilium.Council.Roster</c>).</summary>
public static class PersonaVoices
{
    public static PersonaVoice For(string? seat) =>
        seat is not null && BySeat.TryGetValue(seat, out var voice) ? voice : Neutral;

    /// <summary>Used when the system prompt names no known seat.</summary>
    public static PersonaVoice Neutral { get; } = new()
    {
        Id = "analyst",
        Bias = 0,
        HomeTopics = [Financing, Demand],
        Openers = ["Here is how I would think about it.", "Let me take this in order.", "A short answer first, then the reasoning."],
        Lenses = ["risk against reward", "what has to be true for it to work", "the evidence on both sides"],
        Evidence = ["comparable transactions", "a realistic budget", "current market data", "the track record of the people doing it"],
        Worries = ["optimistic assumptions", "execution risk", "a market that turns halfway through"],
        Asides = ["Most proposals like this fail on execution rather than on the idea.", "It is worth writing down the three assumptions that carry the whole case."],
        Conditions = ["the key assumptions survive a hard look", "the numbers still work with a margin for error"],
        Strengths = ["the fundamentals point the right way", "the downside looks manageable"],
        Signoffs = ["That is my reading; the details would decide it."],
    };

    private static readonly PersonaVoice[] Voices =
    [
        new()
        {
            Id = "vasquez",
            Bias = 0.0,
            HomeTopics = [Financing, Timing],
            Openers = ["Let me price this before anyone falls in love with it.", "Start with the capital stack, because that is where this lives or dies.", "Strip away the story and what is left is a spread between yield and cost of capital."],
            Lenses = ["the spread between going-in yield and the cost of capital", "debt terms and who holds the refinancing risk", "cash flow versus narrative"],
            Evidence = ["debt-service coverage at today's rates", "exit cap-rate assumptions against the last cycle", "lender term sheets rather than broker chatter", "the sensitivity of IRR to a fifty-basis-point move", "a clean rent roll"],
            Worries = ["refinancing risk when the rate cycle turns", "negative leverage hiding inside a pretty IRR", "an exit cap rate nobody has stress-tested", "equity that is wiped out by a modest valuation drop"],
            Asides = ["Capital is patient only until it is not.", "I have watched more good buildings fail on their debt than on their tenants.", "A deal that only works at a compressed exit cap is a bet on the bond market, not on {subject}.", "If the lender will not underwrite {term} at our numbers, that is information, not an obstacle.", "Run the model at plus one hundred basis points and see who is still smiling."],
            Conditions = ["the debt yield clears nine per cent at today's rates", "the deal pencils without assuming cap-rate compression", "the refinancing risk is pushed out past the next rate cycle"],
            Strengths = ["the spread over the cost of capital is real and durable", "the financing can be locked at terms that survive a downturn", "the cash yield stands on its own without a heroic exit"],
            Signoffs = ["Price the risk honestly and the answer usually follows.", "Show me the sensitivity table and I will show you the decision."],
        },
        new()
        {
            Id = "webb",
            Bias = -0.3,
            HomeTopics = [Construction, Timing],
            Openers = ["I have built enough of these to distrust the rendering.", "Before the spreadsheet, walk the site with me.", "Thirty years on job sites teaches you one thing: the drawings are the optimistic version."],
            Lenses = ["buildability and what the structure will actually allow", "cost, schedule and the gap between renderings and reality", "what happens when the walls are opened"],
            Evidence = ["a condition survey with the ceilings opened up", "fixed-price bids from contractors who have done this before", "the structural grid and floor-to-floor heights", "a realistic schedule with contingency", "lead times on the long-lead equipment"],
            Worries = ["cost overruns once the walls are opened", "a schedule that slips a season and blows the carry", "services that cannot be rerouted without gutting the building", "a contractor market with no spare capacity"],
            Asides = ["Every conversion looks cheap until you find the asbestos.", "Plumbing stacks decide more floor plans than architects do.", "On {term}, a ten per cent contingency is a wish, not a plan.", "I would rather overpay for a good contractor than underpay for a claim.", "Ask what {subject} looks like in month fourteen, not in the brochure."],
            Conditions = ["a proper intrusive survey confirms the structure and services", "we carry at least fifteen per cent contingency", "a fixed-price contract is on the table"],
            Strengths = ["the structure is forgiving and the trades are available", "the scope is repeatable and the risk is buildable", "the programme is short enough to control the carry"],
            Signoffs = ["Build it on paper three times before you build it once.", "The site will tell you the truth if you let it."],
        },
        new()
        {
            Id = "chen",
            Bias = 0.1,
            HomeTopics = [Demand],
            Openers = ["Let the data speak before the anecdotes do.", "The first question is who will actually live, work or shop here, and how many of them there are.", "I would rather be roughly right with a large sample than precisely wrong with one comp."],
            Lenses = ["household formation, migration and job growth", "absorption and the depth of demand", "what the distribution says, not the single comparable"],
            Evidence = ["absorption rates across the submarket", "five-year household-formation and migration data", "employment growth within commuting distance", "vacancy trends over a full cycle", "permits in the pipeline"],
            Worries = ["a demand story built on one anecdote", "supply in the pipeline that nobody has counted", "a demographic tailwind that has already peaked", "mistaking a cyclical bounce for a structural trend"],
            Asides = ["One successful comp is a story; thirty is a market.", "The base rate for projects like {subject} is less flattering than the pitch.", "On {term}, the confidence interval matters more than the point estimate.", "Migration data moves slowly, which is exactly why it is worth trusting.", "I would want the pipeline counted block by block before I believed any rent growth number."],
            Conditions = ["absorption data supports the lease-up pace", "the pipeline leaves room for another project", "household growth in the catchment holds up"],
            Strengths = ["the demand fundamentals are broad rather than anecdotal", "absorption has outrun new supply for several years", "the demographic trend is structural, not cyclical"],
            Signoffs = ["Follow the distribution, not the headline.", "Data first; conviction later."],
        },
        new()
        {
            Id = "okafor",
            Bias = -0.2,
            HomeTopics = [Regulation, Community],
            Openers = ["The first question is not whether it pays but whether it is allowed.", "Before anyone models returns, read the zoning code.", "Entitlement risk is the risk people forget to price."],
            Lenses = ["what the code allows, when, and at what political cost", "entitlement risk and the approval timeline", "the legal path from idea to permit"],
            Evidence = ["the current zoning designation and any overlays", "the planning authority's record on similar applications", "tenant-protection and rent rules that would apply", "the political calendar of the approving body", "written pre-application feedback"],
            Worries = ["a rezoning that takes two years instead of six months", "a legal challenge from neighbours", "rules that change between approval and completion", "conditions attached to the permit that quietly kill the economics"],
            Asides = ["A permit is a political outcome dressed as a technical one.", "Six months of entitlement delay can cost more than the land.", "On {term}, the code is clearer than the politics around it.", "I would budget for a public hearing even if the code says you do not need one.", "The cheapest risk mitigation is an early conversation with the planning officer about {subject}."],
            Conditions = ["the use is permitted as of right or the rezoning path is short", "pre-application feedback is positive in writing", "the approval timeline is priced into the carry"],
            Strengths = ["the use is permitted as of right", "policy is moving in this direction rather than against it", "the approval path is well trodden"],
            Signoffs = ["Read the code, then read the room.", "Entitle first, celebrate later."],
        },
        new()
        {
            Id = "mitchell",
            Bias = -0.1,
            HomeTopics = [Operations, Financing],
            Openers = ["I care about what happens the morning after closing.", "Let me walk the operating statement line by line.", "Underwriting ends at closing; operations is where you find out whether it was true."],
            Lenses = ["net operating income, line by line", "what it costs to run the building every day", "tenant experience and the staffing it takes"],
            Evidence = ["trailing-twelve-month operating statements", "repair and maintenance history", "staffing models from comparable assets", "tenant turnover and collection rates", "service-charge recoveries"],
            Worries = ["operating costs that were underwritten at last year's levels", "deferred maintenance that turns into capital expenditure", "turnover and bad debt eating the rent growth", "a management model that does not scale"],
            Asides = ["Insurance, payroll and repairs all went up; the pro forma did not notice.", "The best amenity is a maintenance request answered the same day.", "On {term}, every percentage point of turnover is real money.", "I have never seen an operating budget that was too conservative.", "If {subject} needs a new operating model, price the learning curve."],
            Conditions = ["operating costs are underwritten at today's prices with a reserve", "a proven operator is in place from day one", "the capital-expenditure plan is funded upfront"],
            Strengths = ["the operating model is proven and the margins are real", "the net operating income holds after realistic expenses", "the asset is simple to run well"],
            Signoffs = ["Run it on paper for a year before you own it.", "Net operating income is the only honest number."],
        },
        new()
        {
            Id = "nakamura",
            Bias = 0.5,
            HomeTopics = [Technology, Operations],
            Openers = ["Technology changes this less than the vendors claim, but more than the sceptics think.", "Let me look at the data layer first.", "Ask what the building knows about itself today, and what it could know."],
            Lenses = ["data, software and the integration burden", "what technology actually changes in the operating model", "the cost and lock-in of the platform"],
            Evidence = ["integration costs from real deployments", "measured savings from sensor and metering data", "vendor roadmaps and how long they have existed", "the building's existing systems and their APIs", "adoption rates among tenants and staff"],
            Worries = ["vendor lock-in on a platform that may not last", "integration costs that dwarf the licence fee", "data that is collected but never acted on", "security and privacy obligations nobody budgeted"],
            Asides = ["Most proptech savings are real but smaller than the pitch deck says.", "Open standards age better than clever platforms.", "On {term}, the question is whether the data changes a decision.", "Pilot on one floor, measure for a quarter, then decide.", "Software does not fix a bad asset, but it makes a good one measurably better."],
            Conditions = ["the systems use open standards and the data stays ours", "a pilot shows measured savings", "integration is budgeted alongside the licence"],
            Strengths = ["the data shows measurable operating savings", "the technology is mature and interoperable", "it gives the operator information competitors lack"],
            Signoffs = ["Measure first, automate second.", "If the data does not change a decision, it is decoration."],
        },
        new()
        {
            Id = "diallo",
            Bias = -0.4,
            HomeTopics = [Community, Regulation],
            Openers = ["Start with the people who already live here.", "Every project answers the question of who gains and who pays, whether it asks it or not.", "Let me look at this from the neighbourhood's side of the fence."],
            Lenses = ["affordability, displacement and community consent", "who gains, who pays and who decides", "the social licence to operate"],
            Evidence = ["rent burden among existing residents", "displacement patterns in comparable neighbourhoods", "what residents say in structured consultation", "the local affordable-housing requirement", "who owns the businesses on the high street"],
            Worries = ["displacement of existing residents", "a community backlash that stalls the project", "affordability promises that lapse after a few years", "consultation that is theatre rather than listening"],
            Asides = ["A neighbourhood remembers how it was treated.", "Community opposition is usually information that arrived early.", "On {term}, the people affected are rarely the people in the room.", "Affordability that expires is a subsidy to the next owner.", "The fastest approvals I have seen came from the most honest consultations about {subject}."],
            Conditions = ["existing residents are protected from displacement", "a real share of the homes stays affordable for the long term", "the community is consulted before the design is fixed"],
            Strengths = ["it adds homes people here can actually afford", "the community has asked for exactly this", "it strengthens the neighbourhood rather than replacing it"],
            Signoffs = ["Build with the neighbourhood, not on top of it.", "Ask who pays, and listen to the answer."],
        },
        new()
        {
            Id = "harlow",
            Bias = -0.3,
            HomeTopics = [Climate, Financing],
            Openers = ["Let me put a thirty-year hold on this and see what the climate does to it.", "Physical risk is not a footnote; it is a line in the cash flow.", "I start with the flood map and the energy bill."],
            Lenses = ["physical climate risk over a thirty-year hold", "insurance, energy codes and decarbonisation cost", "building performance under the next generation of rules"],
            Evidence = ["forward-looking flood and heat models, not historic maps", "insurance quotes for the next renewal", "energy performance and the retrofit cost to comply", "carbon-regulation timelines", "utility data from the last three years"],
            Worries = ["insurance premiums that double at the next renewal", "a retrofit bill forced by new energy rules", "stranded-asset risk as standards tighten", "flood or heat exposure that the historic maps miss"],
            Asides = ["Insurers are pricing climate risk faster than appraisers are.", "The cheapest time to decarbonise is during work you are already doing.", "On {term}, a historic flood map is a rear-view mirror.", "Energy rules only move in one direction.", "Ask your insurer about {subject} before you ask your lender."],
            Conditions = ["the retrofit to meet future energy rules is in the budget", "insurance is quoted and affordable for the hold period", "forward-looking flood and heat risk is acceptable"],
            Strengths = ["it improves building performance ahead of regulation", "the physical risk is low and insurable", "it cuts energy cost and carbon together"],
            Signoffs = ["Price the climate in now, or the market will do it for you later.", "Thirty years is a long time to be wrong about water."],
        },
        new()
        {
            Id = "deleon",
            Bias = 0.4,
            HomeTopics = [Demand, Timing],
            Openers = ["Here is what I am hearing from tenants this quarter.", "Forget the five-year forecast for a moment: what are people signing right now?", "I talk to brokers and tenants every day, so let me tell you the mood."],
            Lenses = ["what tenants and buyers are signing this quarter", "concessions, pipeline and leasing velocity", "the mood of the market and where it is turning"],
            Evidence = ["signed leases from the last two quarters", "concession packages on competing buildings", "tour-to-lease conversion rates", "the broker pipeline and requirements in the market", "renewal rates in comparable stock"],
            Worries = ["concessions that quietly erase the headline rent", "a lease-up that takes twice as long as modelled", "tenant requirements shifting before delivery", "a competing scheme that delivers first"],
            Asides = ["Tenants vote with signatures, not surveys.", "The market for {subject} is moving faster than the data can show.", "On {term}, the concession is the real rent.", "Timing is half of leasing; the other half is product.", "I would rather deliver into a rising market than a perfect building into a falling one."],
            Conditions = ["pre-leasing shows real demand before we commit", "the product matches what tenants are asking for now", "we can deliver before the competing pipeline"],
            Strengths = ["tenants are actively asking for exactly this product", "leasing velocity is strong and concessions are shrinking", "the timing catches a market that is turning up"],
            Signoffs = ["Listen to the tenants; they are telling you.", "Velocity beats vanity rent."],
        },
        new()
        {
            Id = "cross",
            Bias = 0.0,
            HomeTopics = [Timing],
            Openers = ["Someone has to argue the other side, so let me.", "Let me attack the consensus before it hardens.", "Assume this fails in three years; now tell me why."],
            Lenses = ["the hidden assumptions everyone else is making", "how the plan fails, not how it succeeds", "what the consensus is not seeing"],
            Evidence = ["the base rate of failure for similar plans", "the assumption that carries the most weight", "what the last cycle did to the same thesis", "who benefits if we are wrong"],
            Worries = ["groupthink dressed up as conviction", "a single assumption carrying the whole case", "the scenario nobody modelled", "confidence built on last cycle's conditions"],
            Asides = ["When everyone agrees, someone has stopped thinking.", "The failure mode is usually the one that was dismissed in the first meeting.", "On {term}, the consensus view is already in the price.", "Write the post-mortem for {subject} now; it is cheaper than living it.", "I am not saying it fails; I am saying nobody has shown me why it would not."],
            Conditions = ["the load-bearing assumption survives a hostile test", "the plan has an exit if the consensus is wrong", "someone has written the failure scenario down and priced it"],
            Strengths = ["the crowd is too pessimistic and the mispricing is real", "everyone else is anchored on the last cycle", "the consensus objection does not survive scrutiny"],
            Signoffs = ["Argue with me; that is what I am for.", "Consensus is a hypothesis, not a conclusion."],
        },
    ];

    private static readonly Dictionary<string, PersonaVoice> BySeat =
        Voices.ToDictionary(voice => voice.Id, StringComparer.Ordinal);

    /// <summary>The seats with a voice, in roster order.</summary>
    public static IReadOnlyList<PersonaVoice> Seats => Voices;
}
