namespace Consilium.Streaming.Tests.Support;

/// <summary>Every way the tests cut an input into reads.</summary>
public static class SplitReads
{
    /// <summary>
    /// The whole input in one read; in two reads split at every offset; in three reads split at every pair of
    /// offsets; one byte per read. Each comes with a description for failure messages.
    /// </summary>
    public static IEnumerable<(string Description, byte[][] Chunks)> Of(byte[] input)
    {
        yield return ("one read", [input]);
        for (var i = 1; i < input.Length; i++)
        {
            yield return ($"two reads split at {i}", [input[..i], input[i..]]);
        }
        for (var i = 1; i < input.Length; i++)
        {
            for (var j = i + 1; j < input.Length; j++)
            {
                yield return ($"three reads split at {i} and {j}", [input[..i], input[i..j], input[j..]]);
            }
        }
        yield return ("one byte per read", [.. input.Select(b => new[] { b })]);
    }
}
