using Consilium.ModelSimulator.Generation;
using Consilium.ModelSimulator.Options;

namespace Consilium.ModelSimulator.Faults;

/// <summary>What the simulator does with one request once every applicable directive is folded in.</summary>
public sealed record RequestBehavior(
    FaultKind? Fault,
    int After,
    int RetryAfterSeconds,
    int TtftMs,
    double TokensPerSecond,
    int OutputTokens,
    bool InjectHostile)
{
    /// <summary>
    /// Folds directives over the configured defaults. <paramref name="directives"/> come in rising precedence
    /// (<c>SIM_FAULTS</c>, then the header, then the message text): a later directive's keys replace earlier ones.
    /// A directive applies when its <c>model</c> and <c>agent</c> match and its <c>probability</c> draw, made from the
    /// request's stable hash, falls below the given share.
    /// </summary>
    public static RequestBehavior Resolve(
        SimulatorOptions options, IEnumerable<SimDirective> directives, string model, string? seat, string requestHash)
    {
        var behavior = new RequestBehavior(null, 0, 1, options.TtftMs, options.TokensPerSecond, options.OutputTokens, false);
        foreach (var d in directives.Where(d => Applies(d, model, seat, requestHash)))
        {
            if (d.Fault is { } fault)
            {
                behavior = behavior with { Fault = fault, After = d.After ?? 0, RetryAfterSeconds = d.RetryAfterSeconds ?? 1 };
            }
            behavior = behavior with
            {
                After = d.Fault is null && d.After is { } after ? after : behavior.After,
                RetryAfterSeconds = d.Fault is null && d.RetryAfterSeconds is { } retry ? retry : behavior.RetryAfterSeconds,
                TtftMs = d.TtftMs ?? behavior.TtftMs,
                TokensPerSecond = d.TokensPerSecond ?? behavior.TokensPerSecond,
                OutputTokens = d.Tokens ?? behavior.OutputTokens,
                InjectHostile = behavior.InjectHostile || d.InjectHostile,
            };
        }
        return behavior;
    }

    private static bool Applies(SimDirective d, string model, string? seat, string requestHash) =>
        (d.Models is null || d.Models.Contains(model))
        && (d.Agents is null || (seat is not null && d.Agents.Contains(seat)))
        && (d.Probability is not { } p || StableHash.Unit(requestHash, "probability", d.Text) < p);
}
