using System.Text.RegularExpressions;

namespace Consilium.ModelSimulator.Generation;

/// <summary>
/// Picks the key terms of a question (runs of content words such as "suburban office park" or "build-to-rent
/// housing") so an answer can talk about what was asked.
/// </summary>
public static partial class QuestionTerms
{
    [GeneratedRegex(@"[.,;:?!()\[\]{}""“”]")]
    private static partial Regex ClauseBreak();

    [GeneratedRegex(@"[\p{L}\p{N}][\p{L}\p{N}'’-]*")]
    private static partial Regex Word();

    private static readonly HashSet<string> StopWords = new(StringComparer.OrdinalIgnoreCase)
    {
        "a", "an", "the", "and", "or", "but", "if", "of", "for", "in", "on", "at", "by", "to", "into", "onto", "with", "without",
        "from", "about", "over", "under", "as", "than", "then", "so", "is", "are", "was", "were", "be", "been", "being", "am",
        "do", "does", "did", "have", "has", "had", "can", "could", "should", "would", "will", "shall", "may", "might", "must",
        "what", "which", "who", "whom", "how", "why", "when", "where", "whether", "there", "here", "it", "its", "it's", "this",
        "that", "these", "those", "we", "our", "us", "i", "my", "me", "you", "your", "they", "their", "them", "he", "she", "his",
        "her", "not", "no", "yes", "all", "any", "some", "more", "most", "much", "many", "very", "just", "also", "only",
        "worth", "good", "best", "better", "bad", "vs", "versus", "per", "via", "get", "go", "make", "take", "use", "let",
        "convert", "buy", "sell", "build", "invest", "acquire", "develop", "add", "turn", "replace", "keep", "hold", "launch",
        "adopt", "open", "consider", "pursue", "move", "put", "start", "stop", "think", "want", "need", "idea", "plan",
        "please", "tell", "explain", "advise", "recommend", "now", "today", "instead", "rather", "really", "one", "two",
    };

    public static IReadOnlyList<string> Extract(string question, int max = 4)
    {
        var runs = new List<List<string>>();
        foreach (var clause in ClauseBreak().Split(question))
        {
            var run = new List<string>();
            foreach (Match word in Word().Matches(clause))
            {
                if (StopWords.Contains(word.Value))
                {
                    Flush(run, runs);
                    run = [];
                    continue;
                }
                run.Add(Normalise(word.Value, question));
            }
            Flush(run, runs);
        }
        var phrases = runs.Where(r => r.Count >= 2).Select(r => string.Join(' ', r.TakeLast(3)));
        var singles = runs.Where(r => r.Count == 1 && r[0].Length >= 5).Select(r => r[0]);
        return [.. phrases.Concat(singles).Distinct(StringComparer.OrdinalIgnoreCase).Take(max)];
    }

    /// <summary>"the suburban office park", but "build-to-rent housing" and "tenants" without an article.</summary>
    public static string WithArticle(string term) =>
        term.Contains(' ', StringComparison.Ordinal) && !term.EndsWith('s') && !term.EndsWith("ing", StringComparison.Ordinal)
            ? "the " + term
            : term;

    private static void Flush(List<string> run, List<List<string>> runs)
    {
        if (run.Count > 0)
        {
            runs.Add(run);
        }
    }

    /// <summary>Lower-cases a capitalised first word of the question; keeps acronyms and names elsewhere as written.</summary>
    private static string Normalise(string word, string question) =>
        question.TrimStart().StartsWith(word, StringComparison.Ordinal) && word.Length > 1 && char.IsUpper(word[0]) && !char.IsUpper(word[1])
            ? char.ToLowerInvariant(word[0]) + word[1..]
            : word;
}
