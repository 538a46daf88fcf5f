using Consilium.ModelSimulator.Generation;
using Consilium.ModelSimulator.Messages;
using Consilium.ModelSimulator.Options;
using Microsoft.Extensions.Options;

namespace Consilium.ModelSimulator.Caching;

/// <summary>
/// Prompt-cache accounting as the real API reports it. The cacheable prefix is the prompt in cache order (tools,
/// system blocks, message blocks) up to and including the last block marked <c>cache_control</c>. The first request
/// with a prefix (per model) writes it (<c>cache_creation_input_tokens</c>); a repeat within the TTL reads it
/// (<c>cache_read_input_tokens</c>) and refreshes the TTL. Prefixes shorter than the minimum are not cached.
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
        var breakpoint = LastIndexOfBreakpoint(request.Prompt);
        if (breakpoint < 0)
        {
            return new PromptUsage(totalTokens, 0, 0);
        }
        var prefix = request.Prompt.Take(breakpoint + 1).ToList();
        var prefixTokens = TokenEstimate.FromChars(prefix.Sum(block => (long)block.Content.Length));
        if (prefixTokens < options.Value.CacheMinTokens)
        {
            return new PromptUsage(totalTokens, 0, 0);
        }

        var key = StableHash.Hex([request.Model, .. prefix.Select(block => block.Content)]);
        var now = time.GetUtcNow();
        var hit = false;
        lock (_gate)
        {
            hit = _expiries.TryGetValue(key, out var expiry) && expiry > now;
            _expiries[key] = now + options.Value.CacheTtl;
            if (!hit && ++_writesSinceSweep >= 1024)
            {
                Sweep(now);
            }
        }
        var rest = Math.Max(0, totalTokens - prefixTokens);
        return hit ? new PromptUsage(rest, 0, prefixTokens) : new PromptUsage(rest, prefixTokens, 0);
    }

    private static int LastIndexOfBreakpoint(IReadOnlyList<PromptBlock> prompt)
    {
        for (var i = prompt.Count - 1; i >= 0; i--)
        {
            if (prompt[i].CacheControl)
            {
                return i;
            }
        }
        return -1;
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
