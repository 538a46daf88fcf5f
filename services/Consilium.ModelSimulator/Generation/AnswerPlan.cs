using Consilium.ModelSimulator.Faults;
using Consilium.ModelSimulator.Messages;

namespace Consilium.ModelSimulator.Generation;

/// <summary>
/// The deltas one request will send and why it stops: the whole answer (<c>end_turn</c>), cut at
/// <c>max_tokens</c> (<c>max_tokens</c>), or cut before a stop sequence (<c>stop_sequence</c>).
/// Streaming and non-streaming responses send the same text.
/// </summary>
public sealed record AnswerPlan(IReadOnlyList<string> Deltas, string StopReason, string? StopSequence)
{
    public string Text => string.Concat(Deltas);

    public static AnswerPlan For(MessageRequest request, RequestBehavior behavior)
    {
        var tokens = request.Seat == SynthesisWriter.Seat && SynthesisWriter.TryWrite(request.Question, out var json)
            ? Tokenizer.Split(json)
            : AnswerWriter.Write(request.Seat, request.Question, request.Hash, behavior.OutputTokens, behavior.InjectHostile, request.EarlierQuestions);
        return Limit(tokens, request.MaxTokens, request.StopSequences);
    }

    public static AnswerPlan Limit(List<string> tokens, int maxTokens, IReadOnlyList<string> stopSequences)
    {
        var truncated = tokens.Count > maxTokens;
        var kept = truncated ? tokens[..maxTokens] : tokens;
        var text = string.Concat(kept);
        var stop = stopSequences
            .Select(sequence => (Sequence: sequence, Index: text.IndexOf(sequence, StringComparison.Ordinal)))
            .Where(found => found.Index >= 0)
            .OrderBy(found => found.Index)
            .FirstOrDefault();
        if (stop.Sequence is null)
        {
            return new AnswerPlan(kept, truncated ? "max_tokens" : "end_turn", null);
        }
        var cut = new List<string>();
        var length = 0;
        foreach (var token in kept)
        {
            if (length + token.Length > stop.Index)
            {
                if (stop.Index > length)
                {
                    cut.Add(token[..(stop.Index - length)]);
                }
                break;
            }
            cut.Add(token);
            length += token.Length;
        }
        return new AnswerPlan(cut, "stop_sequence", stop.Sequence);
    }
}
