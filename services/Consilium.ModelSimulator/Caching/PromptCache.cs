using Consilium.ModelSimulator.Generation;
using Consilium.ModelSimulator.Messages;
using Consilium.ModelSimulator.Options;
using Microsoft.Extensions.Options;

namespace Consilium.ModelSimulator.Caching;

/// <summary>
/// Prompt-cache accounting as the real API reports it. The cacheable prefix is the prompt in cache order (tools,
/// system blocks, message blocks) up to and including the last block marked <c>cache_control</c>. The longest prefix
/// ending at any breakpoint that an earlier request (same model) wrote within the TTL is read
/// (<c>cache_read_input_tokens</c>); the rest of the cacheable prefix is written (<c>cache_creation_input_tokens</c>);
/// every breakpoint's prefix is (re)written with a fresh TTL. Prefixes shorter than the minimum are not cached.
/// <c>input_tokens</c> is always the part after the cached prefix.
/// </summary>
public sealed class PromptCache(TimeProvider time, IOptions<SimulatorOptions> options)
{
    private readonly Dictionary<string, DateTimeOffset> _expiries = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();
    private int _writesSinceSweep;

    public PromptUsage Account(MessageRequest request)
    {
        var totalChars = request.Prompt.Sum(block => (long)block.Content.Length);
        var totalTokens = TokenEstimate.FromChars(totalChars);
        // Every breakpoint's prefix, shortest first, that is long enough to be cached.
        var prefixes = new List<(string Key, int Tokens)>();
        long chars = 0;
        for (var i = 0; i < request.Prompt.Count; i++)
        {
            chars += request.Prompt[i].Content.Length;
            if (request.Prompt[i].CacheControl && TokenEstimate.FromChars(chars) >= options.Value.CacheMinTokens)
            {
                prefixes.Add((StableHash.Hex([request.Model, .. request.Prompt.Take(i + 1).Select(block => block.Content)]), TokenEstimate.FromChars(chars)));
            }
        }
        if (prefixes.Count == 0)
        {
            return new PromptUsage(totalTokens, 0, 0);
        }

        var now = time.GetUtcNow();
        var read = 0;
        lock (_gate)
        {
            // The longest cached prefix is read; the rest up to the last breakpoint is written. Every prefix is
            // (re)written, so a later request that shares only an earlier breakpoint still hits.
            for (var i = prefixes.Count - 1; i >= 0; i--)
            {
                if (_expiries.TryGetValue(prefixes[i].Key, out var expiry) && expiry > now)
                {
                    read = prefixes[i].Tokens;
                    break;
                }
            }
            foreach (var prefix in prefixes)
            {
                _expiries[prefix.Key] = now + options.Value.CacheTtl;
            }
            if (read < prefixes[^1].Tokens && ++_writesSinceSweep >= 1024)
            {
                Sweep(now);
            }
        }
        var cached = prefixes[^1].Tokens;
        var rest = Math.Max(0, totalTokens - cached);
        return new PromptUsage(rest, cached - read, read);
    }

    private void Sweep(DateTimeOffset now)
    {
        _writesSinceSweep = 0;
        foreach (var (key, expiry) in _expiries.Where(entry => entry.Value <= now).ToList())
        {
            _expiries.Remove(key);
        }
    }
}

/// <summary>The input side of <c>usage</c>.</summary>
public readonly record struct PromptUsage(int InputTokens, int CacheCreationInputTokens, int CacheReadInputTokens);
