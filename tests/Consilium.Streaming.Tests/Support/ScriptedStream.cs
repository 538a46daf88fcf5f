namespace Consilium.Streaming.Tests.Support;

/// <summary>
/// A read-only stream that hands out its bytes exactly in the chunks it was given, one chunk per read (less when the
/// caller's buffer is smaller), completing every read asynchronously. After the last chunk it reports the end of the
/// stream, or, when <paramref name="endless"/>, waits until the read is cancelled (a connection left open).
/// </summary>
public sealed class ScriptedStream(IEnumerable<byte[]> chunks, bool endless = false) : Stream
{
    private readonly Queue<byte[]> _chunks = new(chunks.Where(chunk => chunk.Length > 0));
    private ReadOnlyMemory<byte> _current;

    public int Reads { get; private set; }

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        await Task.Yield();
        cancellationToken.ThrowIfCancellationRequested();
        Reads++;
        if (_current.IsEmpty)
        {
            if (!_chunks.TryDequeue(out var next))
            {
                if (endless)
                {
                    await Task.Delay(Timeout.Infinite, cancellationToken);
                }
                return 0;
            }
            _current = next;
        }
        var count = Math.Min(buffer.Length, _current.Length);
        _current[..count].CopyTo(buffer);
        _current = _current[count..];
        return count;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override int Read(byte[] buffer, int offset, int count) =>
        throw new NotSupportedException("The parser must read asynchronously.");

    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
