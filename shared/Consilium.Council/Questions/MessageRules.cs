using System.Globalization;
using System.Text;

namespace Consilium.Council.Questions;

/// <summary>
/// The one rule every question follows, in the orchestrator's public API and in the agent's <c>/v1/ask</c>
/// (docs/reliability.md, "Message rules"): <c>message</c> is a string of 1 to 8,000 characters, counted as Unicode
/// scalar values (an emoji outside the BMP is one, not two UTF-16 units), with at least one visible character —
/// a question of only whitespace, zero-width or other format characters, NUL or other control characters would run
/// a full paid council on nothing.
/// </summary>
public static class MessageRules
{
    public const int MaxLength = 8000;

    /// <summary>How the limit reads in an error or a shape: "1 to 8,000 characters (Unicode scalar values)".</summary>
    public static string Limit { get; } = $"1 to {MaxLength} characters (Unicode scalar values)";

    /// <summary>Returns what is wrong with <paramref name="message"/> (naming the field <c>message</c>), or <c>null</c> when it is acceptable.</summary>
    public static string? Validate(string? message)
    {
        if (message is null)
        {
            return $"'message' is required: a string of {Limit}.";
        }
        if (message.Length == 0)
        {
            return "'message' is empty. Ask a question.";
        }
        // Fewer UTF-16 units than the limit can only be fewer scalar values: count only when it can matter.
        if (message.Length > MaxLength && CountScalars(message) is var count and > MaxLength)
        {
            return $"'message' has {count} characters (Unicode scalar values); the limit is {MaxLength}. Shorten the question.";
        }
        return HasVisibleCharacter(message)
            ? null
            : "'message' has no visible character (only whitespace, zero-width, format or control characters). Ask a question.";
    }

    /// <summary>Unicode scalar values in <paramref name="text"/>; an unpaired surrogate counts as one (it is read as U+FFFD).</summary>
    public static int CountScalars(string text)
    {
        var count = 0;
        foreach (var _ in text.EnumerateRunes())
        {
            count++;
        }
        return count;
    }

    /// <summary>True when some character is neither whitespace nor a control (Cc) or format (Cf: U+200B..U+200D, U+2060, U+FEFF, …) character.</summary>
    public static bool HasVisibleCharacter(string text)
    {
        foreach (var rune in text.EnumerateRunes())
        {
            if (Rune.IsWhiteSpace(rune))
            {
                continue;
            }
            var category = Rune.GetUnicodeCategory(rune);
            if (category is not (UnicodeCategory.Control or UnicodeCategory.Format))
            {
                return true;
            }
        }
        return false;
    }
}
