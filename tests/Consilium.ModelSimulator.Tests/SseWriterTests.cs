using System.IO.Pipelines;
using Consilium.ModelSimulator.Messages;

namespace Consilium.ModelSimulator.Tests;

/// <summary>The pre-encoded text delta is byte for byte what the serializer writes for the same event.</summary>
public class SseWriterTests
{
    [Theory]
    [InlineData("Cap")]
    [InlineData(" rates é \"quoted\"\n<stance>\t\u0001 ✓ 𝄞")]
    [InlineData("")]
    public async Task WriteTextDeltaAsync_AnyText_SameBytesAsTheSerializedEvent(string text)
    {
        var expected = await WrittenAsync(sse => sse.WriteAsync("content_block_delta", new ContentBlockDeltaEvent(0, new TextDelta(text)), CancellationToken.None));

        var actual = await WrittenAsync(sse => sse.WriteTextDeltaAsync(text, CancellationToken.None));

        Assert.Equal(System.Text.Encoding.UTF8.GetString(expected), System.Text.Encoding.UTF8.GetString(actual));
    }

    private static async Task<byte[]> WrittenAsync(Func<SseWriter, ValueTask> write)
    {
        var pipe = new Pipe();
        using (var sse = new SseWriter(pipe.Writer))
        {
            await write(sse);
        }
        await pipe.Writer.CompleteAsync();
        using var buffer = new MemoryStream();
        await pipe.Reader.CopyToAsync(buffer);
        return buffer.ToArray();
    }
}
