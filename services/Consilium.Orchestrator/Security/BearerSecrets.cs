using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Primitives;

namespace Consilium.Orchestrator.Security;

/// <summary>
/// The configured <c>CONSILIUM_SECRET</c> values (several at once, so a secret can be rotated without downtime).
/// Only SHA-256 hashes are kept; a presented token is hashed and compared with every one of them with
/// <see cref="CryptographicOperations.FixedTimeEquals"/>, so the time taken says nothing about how close a guess was.
/// </summary>
public sealed partial class BearerSecrets
{
    /// <summary>Longer tokens are refused unread; configured secrets must fit too.</summary>
    public const int MaxTokenLength = 512;

    /// <summary>Shorter configured secrets still work but are logged as weak.</summary>
    public const int RecommendedMinimumLength = 32;

    private readonly byte[][] _hashes;

    public BearerSecrets(IConfiguration configuration, ILogger<BearerSecrets>? logger = null)
    {
        var secrets = configuration.GetList("CONSILIUM_SECRET");
        if (secrets.Count == 0)
        {
            throw new ConfigurationErrorException("CONSILIUM_SECRET is required: one or more comma-separated bearer secrets for public clients.");
        }
        for (var i = 0; i < secrets.Count; i++)
        {
            if (secrets[i].Length > MaxTokenLength || !IsToken68(secrets[i]))
            {
                throw new ConfigurationErrorException(
                    $"CONSILIUM_SECRET entry {i + 1} is not a usable bearer token: use at most {MaxTokenLength} characters from A-Z a-z 0-9 - . _ ~ + / (e.g. `openssl rand -base64 32`).");
            }
            if (secrets[i].Length < RecommendedMinimumLength && logger is not null)
            {
                LogWeakSecret(logger, i + 1, secrets[i].Length, RecommendedMinimumLength);
            }
        }
        _hashes = [.. secrets.Select(secret => SHA256.HashData(Encoding.UTF8.GetBytes(secret)))];
    }

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

    [LoggerMessage(Level = LogLevel.Warning, Message = "CONSILIUM_SECRET entry {Entry} has only {Length} characters; use at least {Recommended} random ones")]
    private static partial void LogWeakSecret(ILogger logger, int entry, int length, int recommended);
}

public enum BearerCheck
{
    Authorized,
    Missing,
    Malformed,
    TooLong,
    Wrong,
}
