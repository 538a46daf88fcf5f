using System.Net;
using System.Net.Http.Headers;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;

namespace Consilium.Testing;

/// <summary>
/// HTTPS clients that validate the server's certificate fully (chain and name) against one explicitly trusted anchor
/// (<see cref="X509ChainTrustMode.CustomRootTrust"/>), never the machine's store and never with validation turned off.
/// </summary>
public static class HttpsClients
{
    /// <summary>
    /// A client for <paramref name="baseAddress"/> speaking exactly <paramref name="version"/> (HTTP/2 or HTTP/1.1 by
    /// ALPN), with no timeout (streams). <paramref name="presented"/> sees the certificate of every new connection;
    /// <paramref name="localAddress"/> picks the loopback address the connections come from.
    /// </summary>
    public static HttpClient Create(
        Uri baseAddress,
        X509Certificate2 trustAnchor,
        Version version,
        string? bearer = null,
        Action<X509Certificate2>? presented = null,
        IPAddress? localAddress = null)
    {
        var handler = new SocketsHttpHandler
        {
            UseProxy = false,
            AllowAutoRedirect = false,
            MaxResponseDrainSize = 0,
            SslOptions = new SslClientAuthenticationOptions
            {
                CertificateChainPolicy = new X509ChainPolicy
                {
                    TrustMode = X509ChainTrustMode.CustomRootTrust,
                    CustomTrustStore = { trustAnchor },
                    RevocationMode = X509RevocationMode.NoCheck,
                },
                RemoteCertificateValidationCallback = (_, certificate, _, errors) =>
                {
                    if (certificate is not null)
                    {
                        presented?.Invoke(X509CertificateLoader.LoadCertificate(certificate.GetRawCertData()));
                    }
                    return errors == SslPolicyErrors.None;
                },
            },
        };
        if (localAddress is not null)
        {
            handler.ConnectCallback = async (context, cancellationToken) =>
            {
                var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
                try
                {
                    socket.Bind(new IPEndPoint(localAddress, 0));
                    await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, context.DnsEndPoint.Port), cancellationToken).ConfigureAwait(false);
                    return new NetworkStream(socket, ownsSocket: true);
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            };
        }
        var client = new HttpClient(handler)
        {
            BaseAddress = baseAddress,
            Timeout = Timeout.InfiniteTimeSpan,
            DefaultRequestVersion = version,
            DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };
        if (bearer is not null)
        {
            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
        }
        return client;
    }

    /// <summary>Sends <paramref name="request"/> as plain text to a TCP port and returns everything the server answered before closing.</summary>
    public static async Task<string> SendPlaintextAsync(int port, string request, CancellationToken cancellationToken)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port), cancellationToken).ConfigureAwait(false);
        await using var stream = new NetworkStream(socket, ownsSocket: false);
        await stream.WriteAsync(System.Text.Encoding.ASCII.GetBytes(request), cancellationToken).ConfigureAwait(false);
        using var reader = new StreamReader(stream, System.Text.Encoding.UTF8);
        return await reader.ReadToEndAsync(cancellationToken).ConfigureAwait(false);
    }
}
