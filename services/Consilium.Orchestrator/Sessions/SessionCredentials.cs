using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;

namespace Consilium.Orchestrator.Sessions;

/// <summary>
/// Session ids and resume tokens. Both are random (128 and 256 bits, base64url); the store keeps only the SHA-256 of a
/// token, and a presented token is checked against its own session's hash in constant time, so a token opens exactly
/// one session.
/// </summary>
public static class SessionCredentials
{
    public const int SessionIdLength = 22;

    public static string NewSessionId() => Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(16));

    public static string NewResumeToken() => Base64Url.EncodeToString(RandomNumberGenerator.GetBytes(32));

    public static byte[] Hash(string resumeToken) => SHA256.HashData(Encoding.UTF8.GetBytes(resumeToken));

    public static bool Matches(string? presented, byte[] expectedHash) =>
        !string.IsNullOrEmpty(presented)
        && presented.Length <= 256
        && CryptographicOperations.FixedTimeEquals(Hash(presented), expectedHash);

    /// <summary>Whether a path value can be a session id at all (so nothing else reaches the store).</summary>
    public static bool IsWellFormed(string? sessionId) =>
        sessionId is { Length: SessionIdLength } && sessionId.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_');
}
