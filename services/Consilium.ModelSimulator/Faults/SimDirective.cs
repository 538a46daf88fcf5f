namespace Consilium.ModelSimulator.Faults;

/// <summary>What a <c>fault=</c> key asks for (docs/simulator.md#simulator-directives-fault-injection).</summary>
public enum FaultKind
{
    /// <summary><c>fault=429</c>: <c>rate_limit_error</c> before the stream, with <c>retry-after</c>.</summary>
    RateLimited,

    /// <summary><c>fault=500</c>: <c>api_error</c> before the stream.</summary>
    ServerError,

    /// <summary><c>fault=529</c>: <c>overloaded_error</c> before the stream, with <c>retry-after</c>.</summary>
    Overloaded,

    /// <summary><c>fault=error</c>: an in-stream <c>event: error</c> (<c>overloaded_error</c>) after <c>after</c> deltas.</summary>
    StreamError,

    /// <summary><c>fault=stall</c>: stop sending after <c>after</c> deltas and hold the connection open.</summary>
    Stall,

    /// <summary><c>fault=drop</c>: abort the connection after <c>after</c> deltas.</summary>
    Drop,
}

/// <summary>
/// One <c>[[sim key=value …]]</c> directive. Scoping keys (<c>model</c>, <c>agent</c>, <c>probability</c>) decide whether
/// it applies to a request; the other keys say what happens when it does. Unset keys are <c>null</c>.
/// </summary>
public sealed record SimDirective
{
    /// <summary>The directive as written, used to draw <see cref="Probability"/> independently per directive.</summary>
    public required string Text { get; init; }

    public FaultKind? Fault { get; init; }

    /// <summary>Text deltas sent before an in-stream fault.</summary>
    public int? After { get; init; }

    public int? RetryAfterSeconds { get; init; }

    public IReadOnlySet<string>? Models { get; init; }

    public IReadOnlySet<string>? Agents { get; init; }

    public int? TtftMs { get; init; }

    public double? TokensPerSecond { get; init; }

    public int? Tokens { get; init; }

    public double? Probability { get; init; }

    /// <summary><c>inject=hostile</c>: put SSE-breaking and multi-byte text into the answer.</summary>
    public bool InjectHostile { get; init; }
}
