using System.Security.Cryptography;

namespace Consilium.Local.Topology;

public static class Secrets
{
    /// <summary>256 random bits from the OS's cryptographic generator, URL-safe base64 without padding.</summary>
    public static string Generate() =>
        Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
