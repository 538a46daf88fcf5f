using System.Text;

namespace Consilium.Streaming.Tests.Support;

/// <summary>
/// A write-only stream that records every write and flush in order, completes each asynchronously (so overlapping
/// calls would really overlap) and notes whether two calls were ever in progress at once.
/// </summary>
public sealed class RecordingStream : Stream
{
    public const string FlushMark = "<flush>";

    private readonly Lock _gate = new();
    private readonly List<string> _log = [];
    private int _inProgress;

    /// <summary>Each write as UTF-8 text, and <see cref="FlushMark"/> for each flush, in call order.</summary>
    public IReadOnlyList<string> Log
    {
        get
        {
            lock (_gate)
            {
                return [.. _log];
            }
        }
    }

    /// <summary>Everything written, as UTF-8 text.</summary>
    public string Text => string.Concat(Log.Where(entry => entry != FlushMark));

    public bool Overlapped { get; private set; }

    public override bool CanRead => false;
    public override bool CanSeek => false;
    public override bool CanWrite => true;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        var text = Encoding.UTF8.GetString(buffer.Span); // copy now: the caller may reuse its buffer afterwards
        await RecordAsync(text);
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override Task FlushAsync(CancellationToken cancellationToken) => RecordAsync(FlushMark);

    private async Task RecordAsync(string entry)
    {
        if (Interlocked.Increment(ref _inProgress) > 1)
        {
            Overlapped = true;
        }
        try
        {
            await Task.Yield();
            lock (_gate)
            {
                _log.Add(entry);
            }
        }
        finally
        {
            Interlocked.Decrement(ref _inProgress);
        }
    }

    public override void Write(byte[] buffer, int offset, int count) =>
        throw new NotSupportedException("Every write must be asynchronous.");

    public override void Flush() => throw new NotSupportedException("Every flush must be asynchronous.");

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
}
