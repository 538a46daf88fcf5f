namespace Consilium.Local.Processes;

/// <summary>
/// Polls a service's <c>/health</c> until it answers 200 from the process itself, the process exits, or the caller
/// gives up. A 200 from another process that holds the port (the service then fails to bind) does not count.
/// </summary>
public static class HealthProbe
{
    public const string Path = "/health";

    private static readonly TimeSpan Interval = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan AttemptTimeout = TimeSpan.FromSeconds(2);

    /// <summary>True once healthy; false when the process exited first.</summary>
    public static async Task<bool> WaitHealthyAsync(
        HttpClient http, Uri baseUrl, ServiceProcess process, TimeProvider time, CancellationToken cancellationToken)
    {
        var health = new Uri(baseUrl, Path);
        var exited = process.Exited;
        while (!exited.IsCompleted)
        {
            cancellationToken.ThrowIfCancellationRequested();
            using (var attempt = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
            {
                attempt.CancelAfter(AttemptTimeout);
                try
                {
                    using var response = await http.GetAsync(health, attempt.Token).ConfigureAwait(false);
                    if (response.IsSuccessStatusCode && ListeningSockets.IsOwnedBy(process.ProcessId, baseUrl.Port) != false)
                    {
                        return true;
                    }
                }
                catch (Exception ex) when (ex is HttpRequestException || (ex is OperationCanceledException && !cancellationToken.IsCancellationRequested))
                {
                    // not listening yet, or slow to answer: try again
                }
            }
            await Task.WhenAny(exited, Task.Delay(Interval, time, cancellationToken)).ConfigureAwait(false);
        }
        return false;
    }
}
