using System.IO.Pipelines;
using System.Text;
using Microsoft.AspNetCore.Connections;

namespace Consilium.Gateway.Tls;

/// <summary>
/// Answers a plain-HTTP request sent to a TLS port with a short <c>400</c> saying to use https, then closes, as nginx
/// does. Kestrel alone would only fail the handshake and drop the connection, which a client shows as an empty reply
/// with no hint why. A connection that starts with a TLS record (0x16, a handshake) goes on to TLS untouched; anything
/// else that is not an HTTP request line is left to the TLS layer, which refuses it.
/// </summary>
public static partial class PlaintextRefusal
{
    /// <summary>First byte of a TLS record carrying a handshake (a ClientHello).</summary>
    private const byte TlsHandshakeRecord = 0x16;

    /// <summary>As long as Kestrel waits for a TLS handshake.</summary>
    public static readonly TimeSpan FirstByteTimeout = TimeSpan.FromSeconds(10);

    public const string Message = "This port speaks HTTPS only: send the request again with https:// instead of http://.\n";

    private static readonly byte[] Response = Encoding.ASCII.GetBytes(
        "HTTP/1.1 400 Bad Request\r\n" +
        "Content-Type: text/plain; charset=utf-8\r\n" +
        $"Content-Length: {Message.Length}\r\n" +
        "Connection: close\r\n" +
        "\r\n" +
        Message);

    public static async Task OnConnectionAsync(ConnectionDelegate next, ConnectionContext connection, ILogger logger)
    {
        var input = connection.Transport.Input;
        ReadResult read;
        using (var timeout = CancellationTokenSource.CreateLinkedTokenSource(connection.ConnectionClosed))
        {
            timeout.CancelAfter(FirstByteTimeout);
            try
            {
                read = await input.ReadAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                connection.Abort(new ConnectionAbortedException("No TLS handshake within the handshake timeout."));
                return;
            }
        }

        var buffer = read.Buffer;
        if (buffer.IsEmpty)
        {
            input.AdvanceTo(buffer.Start, buffer.End);
            return; // closed before sending anything
        }
        var first = buffer.FirstSpan[0];
        if (first is >= (byte)'A' and <= (byte)'Z')
        {
            input.AdvanceTo(buffer.End);
            LogPlaintext(logger, connection.RemoteEndPoint?.ToString() ?? "unknown");
            await connection.Transport.Output.WriteAsync(Response, connection.ConnectionClosed);
            await connection.Transport.Output.CompleteAsync();
            return;
        }

        // Nothing consumed or examined: the TLS layer reads the same bytes again.
        input.AdvanceTo(buffer.Start);
        if (first != TlsHandshakeRecord)
        {
            LogNotTls(logger, connection.RemoteEndPoint?.ToString() ?? "unknown", first);
        }
        await next(connection);
    }

    [LoggerMessage(EventId = 2010, Level = LogLevel.Debug, Message = "Plain HTTP from {Peer} on a TLS port: answered 400 'use https'.")]
    private static partial void LogPlaintext(ILogger logger, string peer);

    [LoggerMessage(EventId = 2011, Level = LogLevel.Debug, Message = "A connection from {Peer} to a TLS port starts with 0x{First:x2}, not a TLS handshake.")]
    private static partial void LogNotTls(ILogger logger, string peer, byte first);
}
