using System.Threading.Channels;

namespace Consilium.Orchestrator.Sessions;

/// <summary>
/// The single writer of one session's log. Producers (the agents' loops, the synthesis call, the runner) hand over
/// events in any interleaving; the sink numbers them from 1 in the order they arrive — so each producer's own order
/// is kept — and appends them to the store in batches (everything that is ready, up to <see cref="MaxBatch"/>).
/// The queue is bounded: when the store is slower than the council, producers wait instead of memory growing.
/// </summary>
public sealed class SessionEventSink
{
    public const int Capacity = 1024;
    public const int MaxBatch = 128;

    private readonly Channel<(string Type, string Data)> _queue = Channel.CreateBounded<(string Type, string Data)>(
        new BoundedChannelOptions(Capacity) { SingleReader = true, SingleWriter = false, FullMode = BoundedChannelFullMode.Wait });
    private readonly ISessionWriter _writer;
    private readonly Action<Exception> _onFailure;
    private readonly Task _loop;
    private long _lastId;

    /// <param name="onFailure">Called once when the store refuses a batch; nothing more is written after that.</param>
    public SessionEventSink(ISessionWriter writer, Action<Exception> onFailure)
    {
        _writer = writer;
        _onFailure = onFailure;
        _loop = Task.Run(WriteLoopAsync);
    }

    /// <summary>The id of the last event appended to the store.</summary>
    public long LastId => Interlocked.Read(ref _lastId);

    /// <summary>Queues an event. After a store failure events are dropped: the session is being cancelled.</summary>
    public ValueTask WriteAsync(string type, string data)
    {
        if (_queue.Writer.TryWrite((type, data)))
        {
            return ValueTask.CompletedTask;
        }
        return WriteSlowAsync(type, data);
    }

    /// <summary>No more events: waits until everything queued is in the store and returns the last id.</summary>
    public async Task<long> CompleteAsync()
    {
        _queue.Writer.TryComplete();
        await _loop.ConfigureAwait(false);
        return LastId;
    }

    private async ValueTask WriteSlowAsync(string type, string data)
    {
        try
        {
            await _queue.Writer.WriteAsync((type, data)).ConfigureAwait(false);
        }
        catch (ChannelClosedException)
        {
            // The store failed or the session is complete; the event has nowhere to go.
        }
    }

    private async Task WriteLoopAsync()
    {
        var batch = new List<SessionEvent>(MaxBatch);
        var reader = _queue.Reader;
        try
        {
            while (await reader.WaitToReadAsync().ConfigureAwait(false))
            {
                var next = _lastId;
                while (batch.Count < MaxBatch && reader.TryRead(out var item))
                {
                    batch.Add(new SessionEvent(++next, item.Type, item.Data));
                }
                await _writer.AppendAsync(batch, CancellationToken.None).ConfigureAwait(false);
                Interlocked.Exchange(ref _lastId, next);
                batch.Clear();
            }
        }
        catch (Exception ex)
        {
            _queue.Writer.TryComplete(ex);
            _onFailure(ex);
        }
    }
}
