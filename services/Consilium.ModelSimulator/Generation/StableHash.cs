using System.Security.Cryptography;
using System.Text;

namespace Consilium.ModelSimulator.Generation;

/// <summary>
/// Hashes that are the same on every machine and every run (SHA-256, never <c>string.GetHashCode</c>), so the same
/// request always produces the same answer.
/// </summary>
public static class StableHash
{
    /// <summary>SHA-256 over the parts (each length-prefixed, so part boundaries matter) as lower-case hex.</summary>
    public static string Hex(params ReadOnlySpan<string> parts) => Convert.ToHexStringLower(Digest(parts));

    /// <summary>A 64-bit seed from the parts.</summary>
    public static ulong Seed(params ReadOnlySpan<string> parts) => BitConverter.ToUInt64(Digest(parts), 0);

    /// <summary>A number in [0, 1) from the parts.</summary>
    public static double Unit(params ReadOnlySpan<string> parts) => (Seed(parts) >> 11) * (1.0 / (1UL << 53));

    private static byte[] Digest(ReadOnlySpan<string> parts)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        Span<byte> length = stackalloc byte[4];
        foreach (var part in parts)
        {
            var bytes = Encoding.UTF8.GetBytes(part);
            BitConverter.TryWriteBytes(length, bytes.Length);
            hash.AppendData(length);
            hash.AppendData(bytes);
        }
        return hash.GetHashAndReset();
    }
}
