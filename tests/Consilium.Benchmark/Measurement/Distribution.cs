namespace Consilium.Benchmark.Measurement;

/// <summary>
/// Sorted samples (milliseconds) with nearest-rank percentiles: p-th percentile = the ⌈p/100·n⌉-th smallest sample,
/// so p99 of 100 samples is the second largest and p100 the largest.
/// </summary>
public sealed class Distribution
{
    private readonly double[] _sorted;

    public Distribution(IEnumerable<double> samples)
    {
        _sorted = [.. samples];
        Array.Sort(_sorted);
    }

    public int Count => _sorted.Length;

    public double P50 => Percentile(50);

    public double P99 => Percentile(99);

    public double Max => Percentile(100);

    public double Percentile(double p)
    {
        if (_sorted.Length == 0)
        {
            return double.NaN;
        }
        var rank = (int)Math.Ceiling(p / 100 * _sorted.Length);
        return _sorted[Math.Clamp(rank, 1, _sorted.Length) - 1];
    }

    /// <summary>The share (0..1) of samples below <paramref name="limit"/>.</summary>
    public double ShareBelow(double limit)
    {
        if (_sorted.Length == 0)
        {
            return double.NaN;
        }
        var index = Array.BinarySearch(_sorted, limit);
        var below = index >= 0 ? FirstOf(index) : ~index;
        return (double)below / _sorted.Length;
    }

    private int FirstOf(int index)
    {
        while (index > 0 && _sorted[index - 1] == _sorted[index])
        {
            index--;
        }
        return index;
    }
}
