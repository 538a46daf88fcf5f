namespace Consilium.ModelSimulator.Caching;

/// <summary>
/// The simulator's token count: one token per four characters (UTF-16 code units), rounded up — close to what
/// Claude's tokenizer gives for English prose, and cheap.
/// </summary>
public static class TokenEstimate
{
    public static int FromChars(long chars) => (int)((chars + 3) / 4);
}
