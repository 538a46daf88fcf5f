using System.Security.Cryptography;
using System.Text;
using Consilium.Agent.Options;
using Microsoft.Extensions.Options;

namespace Consilium.Agent.Security;

/// <summary>
/// This agent's key (<c>INTERNAL_KEY_&lt;AGENTID&gt;</c>, else <c>INTERNAL_KEY</c>). Only its SHA-256 is kept and a presented
/// token is hashed the same way, so the comparison takes the same time whatever the token's length or content.
/// </summary>
public sealed class InternalKey(IOptions<AgentOptions> options)
{
    private readonly Lazy<byte[]> _hash = new(() => Hash(options.Value.InternalKey));

    /// <summary>Whether an <c>Authorization</c> header is <c>Bearer &lt;this agent's key&gt;</c> (scheme case-insensitive, one token).</summary>
    public bool IsAuthorized(string? authorization)
    {
        const string scheme = "Bearer ";
        if (authorization is null || authorization.Length <= scheme.Length
            || !authorization.StartsWith(scheme, StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }
        var token = authorization[scheme.Length..].Trim();
        if (token.Length == 0 || token.Contains(' ', StringComparison.Ordinal) || token.Contains(',', StringComparison.Ordinal))
        {
            return false;
        }
        return CryptographicOperations.FixedTimeEquals(_hash.Value, Hash(token));
    }

    private static byte[] Hash(string value) => SHA256.HashData(Encoding.UTF8.GetBytes(value));
}
