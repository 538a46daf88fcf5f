namespace Consilium.Benchmark.Measurement;

/// <summary>
/// What one stream did, seen by the client: time to its first text delta and to its terminal event (both from just
/// before the request was sent), and the gap between each pair of consecutive text deltas.
/// </summary>
public sealed record StreamSample(string? Failure, double TtftMs, double TotalMs, IReadOnlyList<double> GapsMs, int Deltas)
{
    public bool Succeeded => Failure is null;

    public static StreamSample Failed(string failure, double totalMs) => new(failure, double.NaN, totalMs, [], 0);
}
