using System.Globalization;

namespace Consilium.ModelSimulator.Generation;

/// <summary>
/// Cuts text into stream deltas that look like model tokens: a word (long words in pieces) with its leading
/// whitespace, or a short run of punctuation. Never splits a surrogate pair. Concatenating the pieces gives the text back.
/// </summary>
public static class Tokenizer
{
    private const int MaxWordPiece = 7;
    private const int MaxPunctuation = 3;

    public static List<string> Split(string text)
    {
        var tokens = new List<string>(text.Length / 4 + 1);
        var i = 0;
        while (i < text.Length)
        {
            var start = i;
            while (i < text.Length && char.IsWhiteSpace(text[i]))
            {
                i++;
            }
            if (i < text.Length)
            {
                i = IsWordChar(text, i) ? WordPieceEnd(text, i) : PunctuationEnd(text, i);
            }
            tokens.Add(text[start..i]);
        }
        return tokens;
    }

    private static int WordPieceEnd(string text, int i)
    {
        var end = i;
        while (end < text.Length && IsWordChar(text, end))
        {
            end += Width(text, end);
        }
        var length = end - i;
        if (length <= MaxWordPiece + 2)
        {
            return end;
        }
        var piece = i + MaxWordPiece;
        return char.IsLowSurrogate(text[piece]) ? piece + 1 : piece;
    }

    private static int PunctuationEnd(string text, int i)
    {
        var end = i;
        var count = 0;
        while (end < text.Length && count < MaxPunctuation && !char.IsWhiteSpace(text[end]) && !IsWordChar(text, end))
        {
            end += Width(text, end);
            count++;
        }
        return end;
    }

    private static bool IsWordChar(string text, int i) =>
        char.GetUnicodeCategory(text, i) is UnicodeCategory.UppercaseLetter or UnicodeCategory.LowercaseLetter
            or UnicodeCategory.OtherLetter or UnicodeCategory.DecimalDigitNumber or UnicodeCategory.TitlecaseLetter
            or UnicodeCategory.ModifierLetter or UnicodeCategory.NonSpacingMark;

    private static int Width(string text, int i) =>
        char.IsHighSurrogate(text[i]) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]) ? 2 : 1;
}
