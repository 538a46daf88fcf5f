using System.Net.Sockets;
using System.Text;

namespace Consilium.Security.Tests.Support;

/// <summary>HTTP/1.1 over a bare socket, for what HttpClient will not send: a body announced and never sent, slow headers.</summary>
public sealed class RawHttp : IAsyncDisposable
{
    private readonly TcpClient _client;
    private readonly NetworkStream _stream;

    private RawHttp(TcpClient client)
    {
        _client = client;
        _stream = client.GetStream();
    }

    public static async Task<RawHttp> ConnectAsync(Uri baseAddress, CancellationToken cancellationToken)
    {
        var client = new TcpClient { NoDelay = true };
        await client.ConnectAsync(baseAddress.Host, baseAddress.Port, cancellationToken).ConfigureAwait(false);
        return new RawHttp(client);
    }

    public async Task SendAsync(string text, CancellationToken cancellationToken)
    {
        await _stream.WriteAsync(Encoding.ASCII.GetBytes(text), cancellationToken).ConfigureAwait(false);
        await _stream.FlushAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Reads the status line and headers of the response (not the body), or fails after <paramref name="timeout"/>.</summary>
    public async Task<RawResponse> ReadHeadAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        var received = new List<byte>();
        var buffer = new byte[1];
        while (!EndsWithBlankLine(received))
        {
            int read;
            try
            {
                read = await _stream.ReadAsync(buffer, deadline.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                throw new TimeoutException($"No complete response head within {timeout}; got: {Encoding.ASCII.GetString([.. received])}");
            }
            if (read == 0)
            {
                throw new IOException($"The server closed the connection; got: {Encoding.ASCII.GetString([.. received])}");
            }
            received.Add(buffer[0]);
        }
        return RawResponse.Parse(Encoding.ASCII.GetString([.. received]));
    }

    /// <summary>Whether the server has closed the connection (a read returns end of stream or fails) within <paramref name="timeout"/>.</summary>
    public async Task<bool> ClosedWithinAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        var buffer = new byte[4096];
        try
        {
            while (await _stream.ReadAsync(buffer, deadline.Token).ConfigureAwait(false) > 0)
            {
            }
            return true;
        }
        catch (IOException)
        {
            return true;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return false;
        }
    }

    public ValueTask DisposeAsync()
    {
        _client.Dispose();
        return ValueTask.CompletedTask;
    }

    private static bool EndsWithBlankLine(List<byte> bytes) =>
        bytes.Count >= 4 && bytes[^4] == '\r' && bytes[^3] == '\n' && bytes[^2] == '\r' && bytes[^1] == '\n';
}

public sealed record RawResponse(int Status, IReadOnlyDictionary<string, string> Headers)
{
    public static RawResponse Parse(string head)
    {
        var lines = head.Split("\r\n", StringSplitOptions.RemoveEmptyEntries);
        var status = int.Parse(lines[0].Split(' ')[1], System.Globalization.CultureInfo.InvariantCulture);
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var line in lines.Skip(1))
        {
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            headers[line[..colon].Trim()] = line[(colon + 1)..].Trim();
        }
        return new RawResponse(status, headers);
    }
}
