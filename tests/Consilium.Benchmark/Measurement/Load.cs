namespace Consilium.Benchmark.Measurement;

/// <summary>Results of one batch of concurrent requests and how long the batch took from first send to last end.</summary>
public sealed record Batch<T>(IReadOnlyList<T> Results, double WallMs);

/// <summary>Starts a batch of concurrent requests, their starts spread evenly over a ramp.</summary>
public static class Load
{
    public static async Task<Batch<T>> RunAsync<T>(
        int count, TimeSpan ramp, Func<int, Task<T>> start, CancellationToken cancellationToken)
    {
        var tasks = new Task<T>[count];
        var began = Clock.Now();
        for (var i = 0; i < count; i++)
        {
            var due = count <= 1 ? 0 : ramp.TotalMilliseconds * i / count;
            var wait = due - Clock.MsSince(began);
            if (wait >= 1)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(wait), cancellationToken).ConfigureAwait(false);
            }
            var index = i;
            tasks[i] = Task.Run(() => start(index), cancellationToken);
        }
        var results = await Task.WhenAll(tasks).ConfigureAwait(false);
        return new Batch<T>(results, Clock.MsSince(began));
    }
}
