namespace Consilium.Orchestrator.Security.RateLimiting;

/// <summary>One rate-limit answer and what the <c>RateLimit-*</c> headers say about it.</summary>
/// <param name="Reset">Until the oldest counted request leaves the window (then <paramref name="Remaining"/> grows); zero when nothing is counted.</param>
public readonly record struct RateLimitDecision(bool Admitted, int Limit, int Remaining, TimeSpan Reset)
{
    /// <summary>Whole seconds, rounded up, as the headers carry them.</summary>
    public int ResetSeconds => (int)Math.Ceiling(Reset.TotalSeconds);

    /// <summary>For a refusal: when to try again, at least one second.</summary>
    public int RetryAfterSeconds => Math.Max(1, ResetSeconds);

    /// <summary>The decision of a sliding-window log that holds <paramref name="count"/> requests, the oldest at <paramref name="oldestMs"/>.</summary>
    public static RateLimitDecision From(bool admitted, int limit, long count, long oldestMs, long nowMs, long windowMs) =>
        new(
            admitted,
            limit,
            (int)Math.Max(0, limit - count),
            count == 0 ? TimeSpan.Zero : TimeSpan.FromMilliseconds(Math.Clamp(oldestMs + windowMs - nowMs, 0, windowMs)));
}
