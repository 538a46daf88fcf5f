using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Primitives;

namespace Consilium.Orchestrator.Security;

/// <summary>
/// <c>CONSILIUM_SECRET</c>, bound by <see cref="Read"/> (<c>AddOptions&lt;BearerSecretOptions&gt;().Configure&lt;IConfiguration&gt;(Read)
/// .ValidateOnStart()</c>): one or more comma-separated secrets, each checked when the replica starts. Only their
/// SHA-256 hashes are kept, never the secrets themselves.
/// </summary>
public sealed class BearerSecretOptions
{
    public const string Variable = "CONSILIUM_SECRET";

    /// <summary>The SHA-256 hash of each configured secret, in the order given.</summary>
    public IReadOnlyList<byte[]> Hashes { get; set; } = [];

    /// <summary>The entries (1-based) shorter than <see cref="BearerSecrets.RecommendedMinimumLength"/>, with their length, for the start-up warning.</summary>
    public IReadOnlyList<(int Entry, int Length)> ShortEntries { get; set; } = [];

    public static void Read(BearerSecretOptions options, IConfiguration configuration)
    {
        var secrets = configuration.GetList(Variable);
        if (secrets.Count == 0)
        {
            throw new ConfigurationErrorException($"{Variable} is required: one or more comma-separated bearer secrets for public clients.");
        }
        var shortEntries = new List<(int, int)>();
        for (var i = 0; i < secrets.Count; i++)
        {
            if (secrets[i].Length > BearerSecrets.MaxTokenLength || !BearerSecrets.IsToken68(secrets[i]))
            {
                throw new ConfigurationErrorException(
                    $"{Variable} entry {i + 1} is not a usable bearer token: use at most {BearerSecrets.MaxTokenLength} characters from A-Z a-z 0-9 - . _ ~ + / (e.g. `openssl rand -base64 32`).");
            }
            if (secrets[i].Length < BearerSecrets.RecommendedMinimumLength)
            {
                shortEntries.Add((i + 1, secrets[i].Length));
            }
        }
        options.Hashes = [.. secrets.Select(secret => SHA256.HashData(Encoding.UTF8.GetBytes(secret)))];
        options.ShortEntries = shortEntries;
    }
}

/// <summary>
/// The configured <c>CONSILIUM_SECRET</c> values (several at once, so a secret can be rotated without downtime).
/// A presented token is hashed and compared with every configured hash with
/// <see cref="CryptographicOperations.FixedTimeEquals"/>, so the time taken says nothing about how close a guess was.
/// </summary>
public sealed class BearerSecrets(BearerSecretOptions options)
{
    /// <summary>Longer tokens are refused unread; configured secrets must fit too.</summary>
    public const int MaxTokenLength = 512;

    /// <summary>Shorter configured secrets still work but are logged as weak.</summary>
    public const int RecommendedMinimumLength = 32;

    // An array, so the per-request loop below enumerates without allocating.
    private readonly byte[][] _hashes = [.. options.Hashes];

    public int Count => _hashes.Length;

    public bool IsAuthorized(StringValues authorization) => Check(authorization) == BearerCheck.Authorized;

    /// <summary>
    /// <c>Authorization: Bearer &lt;token&gt;</c>: exactly one header, the scheme in any case, one or more spaces, exactly
    /// one token68 token of at most <see cref="MaxTokenLength"/> characters, equal to one of the secrets.
    /// </summary>
    public BearerCheck Check(StringValues authorization)
    {
        if (authorization.Count == 0 || string.IsNullOrEmpty(authorization[0]))
        {
            return BearerCheck.Missing;
        }
        if (authorization.Count > 1)
        {
            return BearerCheck.Malformed;
        }
        var value = authorization[0].AsSpan().Trim();
        const string scheme = "Bearer";
        if (value.Length <= scheme.Length || !value.StartsWith(scheme, StringComparison.OrdinalIgnoreCase) || value[scheme.Length] != ' ')
        {
            return BearerCheck.Malformed;
        }
        var token = value[scheme.Length..].TrimStart(' ');
        if (token.Length > MaxTokenLength)
        {
            return BearerCheck.TooLong;
        }
        if (!IsToken68(token))
        {
            return BearerCheck.Malformed;
        }

        Span<byte> presented = stackalloc byte[SHA256.HashSizeInBytes];
        Span<byte> utf8 = stackalloc byte[MaxTokenLength];
        var length = Encoding.ASCII.GetBytes(token, utf8);
        SHA256.HashData(utf8[..length], presented);
        var match = false;
        foreach (var hash in _hashes)
        {
            match |= CryptographicOperations.FixedTimeEquals(hash, presented);
        }
        return match ? BearerCheck.Authorized : BearerCheck.Wrong;
    }

    /// <summary>RFC 7235 token68: <c>1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="</c>.</summary>
    public static bool IsToken68(ReadOnlySpan<char> token)
    {
        var end = token.Length;
        while (end > 0 && token[end - 1] == '=')
        {
            end--;
        }
        if (end == 0)
        {
            return false;
        }
        foreach (var c in token[..end])
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '-' or '.' or '_' or '~' or '+' or '/'))
            {
                return false;
            }
        }
        return true;
    }
}

public enum BearerCheck
{
    Authorized,
    Missing,
    Malformed,
    TooLong,
    Wrong,
}
