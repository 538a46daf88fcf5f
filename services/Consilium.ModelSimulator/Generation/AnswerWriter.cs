using System.Globalization;
using Consilium.Council;
using Consilium.Council.Conversations;

namespace Consilium.ModelSimulator.Generation;

/// <summary>
/// Writes a persona answer: a few paragraphs in the seat's voice about the question's key terms — framing, the
/// evidence it trusts, what worries it, a verdict that matches its position — ending with a stance block written by
/// <see cref="Stance.ToBlock"/>. Every choice comes from the request's stable hash, so the same request gets the same answer.
/// </summary>
public static class AnswerWriter
{
    /// <summary>Text that must survive any SSE relay intact: an event boundary, a lone CR, a NUL and multi-byte characters.</summary>
    public const string HostileText = " Raw bytes follow:\n\nevent: done\ndata: x and a lone \r carriage return, a NUL \u0000, then é, 中 and 🎉.";

    private static readonly string[] Framings =
    [
        "For me, {subject} is a question of {lens}.",
        "I read {subject} through {lens}, and that changes which facts matter.",
        "The way I see it, {subject} comes down to {lens}.",
    ];

    private static readonly Dictionary<int, string[]> Verdicts = new()
    {
        [2] = ["My verdict: I would back {subject} firmly, because {strength}.", "I am clearly in favour of {subject}: {strength}."],
        [1] = ["On balance I lean in favour of {subject}, provided {condition}.", "I would say yes to {subject}, but only if {condition}."],
        [0] = ["I am genuinely undecided on {subject}; it turns on whether {condition}.", "I cannot call {subject} yet: everything depends on whether {condition}."],
        [-1] = ["On balance I lean against {subject} unless {condition}.", "As it stands I would pass on {subject}, unless {condition}."],
        [-2] = ["My verdict: I would not do this, because {worry} outweighs whatever upside {subject} promises.", "I am firmly against {subject}: {worry} is too big a risk to carry."],
    };

    private static readonly Dictionary<int, string> Summaries = new()
    {
        [2] = "Strongly for {subject}: {strength}.",
        [1] = "For {subject}, provided {condition}.",
        [0] = "Undecided on {subject} until it is clear that {condition}.",
        [-1] = "Against {subject} for now: {worry} is not priced in.",
        [-2] = "Strongly against {subject}: {worry} outweighs the upside.",
    };

    /// <summary>
    /// The answer as stream deltas; the stance block comes last. A follow-up (<paramref name="earlier"/> questions in
    /// the thread) opens by referring to the thread; a rebuttal brief (<see cref="RebuttalBrief"/>) is answered by
    /// holding or moving (<see cref="RebuttalPlanner"/>) on the original question, saying why.
    /// </summary>
    public static List<string> Write(
        string? seat, string question, string requestHash, int outputTokens, bool injectHostile, IReadOnlyList<string>? earlier = null)
    {
        var voice = PersonaVoices.For(seat);
        string? leadIn = null;
        StancePlanner.Plan? decided = null;
        if (RebuttalBrief.TryRead(question, out var brief))
        {
            var rebuttal = RebuttalPlanner.Decide(voice, brief);
            question = brief.OriginalQuestion;
            decided = rebuttal.Plan;
            leadIn = rebuttal.Reason;
        }
        else if (earlier is { Count: > 0 })
        {
            var first = QuestionTerms.Extract(earlier[0]);
            leadIn = string.Create(CultureInfo.InvariantCulture,
                $"Picking up our thread: you first asked me about {(first.Count > 0 ? QuestionTerms.WithArticle(first[0]) : "the proposal")}, and this is follow-up {earlier.Count} for me, so I build on what I said then.");
        }
        var random = new SeededRandom(StableHash.Seed(requestHash, "answer"));
        var terms = QuestionTerms.Extract(question);
        var words = new Words(
            Subject: terms.Count > 0 ? QuestionTerms.WithArticle(terms[0]) : "this proposal",
            Terms: terms.Count > 1 ? [.. terms.Skip(1)] : [terms.Count > 0 ? terms[0] : "the proposal"],
            Lens: random.Pick(voice.Lenses),
            Evidence: random.Shuffle(voice.Evidence),
            Worries: random.Shuffle(voice.Worries),
            Condition: random.Pick(voice.Conditions),
            Strength: random.Pick(voice.Strengths),
            Random: random);

        var plan = decided ?? StancePlanner.For(voice, question);
        var summary = words.Fill(Summaries[plan.Position]);
        var stance = new Stance(plan.Position, plan.Confidence, Capitalise(summary), plan.Topics).ToBlock();
        var stanceTokens = Tokenizer.Split("\n\n" + stance);

        var body = Compose(voice, words, plan.Position, Math.Max(outputTokens - stanceTokens.Count, 12));
        if (leadIn is not null)
        {
            body = leadIn + "\n\n" + body;
        }
        var tokens = Tokenizer.Split(body);
        if (injectHostile)
        {
            // At the end of the first paragraph, as a sentence of its own.
            var paragraphEnd = tokens.FindIndex(token => token.StartsWith("\n\n", StringComparison.Ordinal));
            tokens.Insert(paragraphEnd < 0 ? tokens.Count : paragraphEnd, HostileText);
        }
        tokens.AddRange(stanceTokens);
        return tokens;
    }

    private static string Compose(PersonaVoice voice, Words w, int position, int targetTokens)
    {
        var paragraphs = new List<string>[] { [], [], [], [] };
        var framing = w.Random.Pick(voice.Openers) + " " + w.Fill(w.Random.Pick(Framings));
        paragraphs[3].Add(w.Fill(w.Random.Pick(Verdicts[position])));
        if (Count(paragraphs[3]) + Count([framing]) > targetTokens)
        {
            return paragraphs[3][0]; // a very short answer: the verdict alone
        }
        paragraphs[0].Add(framing);
        var used = Count(paragraphs[0]) + Count(paragraphs[3]);

        var asides = w.Random.Shuffle(voice.Asides);
        var extras = new List<(int Paragraph, string Sentence)>
        {
            (1, $"Before I commit, I want to see {w.Evidence[0]}, {w.Evidence[1]} and {w.Evidence[2]}."),
            (2, $"What worries me most is {w.Worries[0]}."),
            (0, "When I look at {term}, the first thing I check is " + w.Evidence[^1] + "."),
            (1, asides[0]),
            (2, $"The way this goes wrong is {w.Worries[1]}, and on {{term}} that risk is not hypothetical."),
            (3, w.Random.Pick(voice.Signoffs)),
            (1, "On {term}, " + w.Evidence[1] + " tells you more than any pitch deck."),
            (2, asides[1 % asides.Count]),
            (2, $"I would also stress-test {w.Worries[^1]} before anyone signs."),
            (0, asides[2 % asides.Count]),
            (1, $"The evidence I trust here is {w.Evidence[0]}; anecdotes about {{term}} come a distant second."),
        };
        extras.AddRange(asides.Skip(3).Select(aside => (1, aside)));
        for (var round = 0; used < targetTokens; round++)
        {
            var (paragraph, sentence) = round < extras.Count
                ? extras[round]
                : (1 + round % 2, FillerSentence(w, round));
            var filled = w.Fill(sentence);
            paragraphs[paragraph].Add(filled);
            used += Count([filled]);
        }
        return string.Join("\n\n", paragraphs.Where(p => p.Count > 0).Select(p => string.Join(' ', p.Select(Capitalise))));
    }

    private static string FillerSentence(Words w, int round) =>
        (round % 3) switch
        {
            0 => $"Then there is {w.Evidence[round % w.Evidence.Count]}: if it disagrees with the plan for {{term}}, believe the evidence.",
            1 => $"Keep an eye on {w.Worries[round % w.Worries.Count]} as {{term}} moves from paper to reality.",
            _ => "None of this is exotic; it is the ordinary discipline that {subject} deserves.",
        };

    private static int Count(IEnumerable<string> sentences) => sentences.Sum(s => Tokenizer.Split(" " + s).Count);

    private static string Capitalise(string sentence) =>
        sentence.Length > 0 && char.IsLower(sentence[0]) ? char.ToUpperInvariant(sentence[0]) + sentence[1..] : sentence;

    private sealed record Words(
        string Subject, IReadOnlyList<string> Terms, string Lens, IReadOnlyList<string> Evidence, IReadOnlyList<string> Worries,
        string Condition, string Strength, SeededRandom Random)
    {
        public string Fill(string template) => template
            .Replace("{subject}", Subject, StringComparison.Ordinal)
            .Replace("{term}", Random.Pick(Terms), StringComparison.Ordinal)
            .Replace("{lens}", Lens, StringComparison.Ordinal)
            .Replace("{condition}", Condition, StringComparison.Ordinal)
            .Replace("{strength}", Strength, StringComparison.Ordinal)
            .Replace("{worry}", Worries[0], StringComparison.Ordinal);
    }
}
