namespace Consilium.ModelSimulator.Generation;

/// <summary>
/// How one seat talks: the lens it reads a question through, the evidence it trusts, what it worries about and its
/// turns of phrase. Sentences may contain <c>{subject}</c> (the question's main term) and <c>{term}</c> (another one).
/// </summary>
public sealed record PersonaVoice
{
    public required string Id { get; init; }

    /// <summary>Temperament: added to the question's lean before rounding to a position (−2..2).</summary>
    public required double Bias { get; init; }

    /// <summary>The topics (<see cref="Topics.All"/>) this seat always takes a view on.</summary>
    public required IReadOnlyList<string> HomeTopics { get; init; }

    /// <summary>First sentences of an answer.</summary>
    public required IReadOnlyList<string> Openers { get; init; }

    /// <summary>Completes "this is a question of …".</summary>
    public required IReadOnlyList<string> Lenses { get; init; }

    /// <summary>Noun phrases: what this seat wants to see before it believes anything.</summary>
    public required IReadOnlyList<string> Evidence { get; init; }

    /// <summary>Noun phrases: how a plan fails, seen from this seat.</summary>
    public required IReadOnlyList<string> Worries { get; init; }

    /// <summary>Whole sentences in this seat's voice.</summary>
    public required IReadOnlyList<string> Asides { get; init; }

    /// <summary>Clauses completing "provided …" / "unless …".</summary>
    public required IReadOnlyList<string> Conditions { get; init; }

    /// <summary>Clauses: why this seat would back a proposal.</summary>
    public required IReadOnlyList<string> Strengths { get; init; }

    /// <summary>Closing sentences.</summary>
    public required IReadOnlyList<string> Signoffs { get; init; }
}
