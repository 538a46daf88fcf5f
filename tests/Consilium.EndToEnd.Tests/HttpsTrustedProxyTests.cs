using System.Net;
using Consilium.Local.Processes;
using Consilium.Testing;

namespace Consilium.EndToEnd.Tests;

/// <summary>
/// Kubernetes with an ingress, on one machine: a real nginx process terminates TLS in front of the gateway and appends
/// the client to <c>X-Forwarded-For</c>; the gateway trusts it (<c>TRUSTED_PROXIES</c>). Clients connect from distinct
/// loopback addresses and spoof the header.
/// </summary>
public sealed class HttpsTrustedProxyTests
{
    private static readonly IPAddress ClientA = IPAddress.Parse("127.0.0.2");
    private static readonly IPAddress ClientB = IPAddress.Parse("127.0.0.4");

    [Fact]
    public async Task RateLimit_SpoofedForwardedForThroughATrustedProxy_StillCountsAgainstTheRealClient()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var topology = await ProcessTopology.StartAsync(new Dictionary<string, string?>
        {
            // nginx and the gateway both connect from 127.0.0.1; the clients never do.
            ["TRUSTED_PROXIES"] = "127.0.0.1/32",
            ["RATE_LIMIT_PER_MINUTE"] = "3",
        }, ct);
        using var authority = TestCertificateAuthority.Create();
        await using var nginx = await Nginx.StartAsync(authority, topology.GatewayUrl, ct);

        using var a = HttpsClients.Create(nginx.Url, authority.Root, HttpVersion.Version11, topology.Secret, localAddress: ClientA);
        var statuses = new List<HttpStatusCode>();
        for (var i = 1; i <= 4; i++)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "api/agents");
            request.Headers.TryAddWithoutValidation("X-Forwarded-For", $"198.51.100.{i}");
            using var response = await a.SendAsync(request, ct);
            statuses.Add(response.StatusCode);
        }
        Assert.Equal([HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.TooManyRequests], statuses);

        // Another client behind the same proxy has its own budget: the limit is per client, not per proxy.
        using var b = HttpsClients.Create(nginx.Url, authority.Root, HttpVersion.Version11, topology.Secret, localAddress: ClientB);
        using (var response = await b.GetAsync("api/agents", ct))
        {
            Assert.True(response.StatusCode == HttpStatusCode.OK, $"client B got {(int)response.StatusCode}\n{nginx.Log}");
        }

        // Straight to the gateway, the same client's own X-Forwarded-For is not believed either.
        using var direct = new HttpClient(new SocketsHttpHandler
        {
            ConnectCallback = async (context, token) =>
            {
                var socket = new System.Net.Sockets.Socket(System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp);
                socket.Bind(new IPEndPoint(ClientA, 0));
                await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, context.DnsEndPoint.Port), token);
                return new System.Net.Sockets.NetworkStream(socket, ownsSocket: true);
            },
        }) { BaseAddress = topology.GatewayUrl };
        direct.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", topology.Secret);
        using var spoofed = new HttpRequestMessage(HttpMethod.Get, "api/agents");
        spoofed.Headers.TryAddWithoutValidation("X-Forwarded-For", "198.51.100.200");
        using (var response = await direct.SendAsync(spoofed, ct))
        {
            Assert.Equal(HttpStatusCode.TooManyRequests, response.StatusCode);
        }
    }
}

/// <summary>nginx from the machine's packages, in the foreground, with a configuration of the test's own.</summary>
internal sealed class Nginx : IAsyncDisposable
{
    private readonly ServiceProcess _process;
    private readonly string _directory;

    private Nginx(ServiceProcess process, string directory, Uri url)
    {
        _process = process;
        _directory = directory;
        Url = url;
    }

    public Uri Url { get; }

    public string Log => _process.Log.ToString();

    public static async Task<Nginx> StartAsync(TestCertificateAuthority authority, Uri upstream, CancellationToken ct)
    {
        var binary = NginxConfig.FindBinary();
        Assert.True(binary is not null, "This test puts a real nginx in front of the gateway: install it (apt-get install nginx).");
        var directory = Directory.CreateTempSubdirectory("consilium-e2e-nginx-").FullName;
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(directory, (UnixFileMode)0b111_101_101);
        }
        authority.WritePem(authority.IssueServer("ingress"), Path.Combine(directory, "tls.crt"), Path.Combine(directory, "tls.key"));
        var port = Ports.GetFree();
        var configPath = await NginxConfig.WriteAsync(directory, errorLog: "stderr", workerConnections: 64, http: $$"""
                server {
                    listen 127.0.0.1:{{port}} ssl;
                    ssl_certificate {{directory}}/tls.crt;
                    ssl_certificate_key {{directory}}/tls.key;
                    location / {
                        proxy_pass {{upstream.AbsoluteUri.TrimEnd('/')}};
                        proxy_http_version 1.1;
                        proxy_buffering off;
                        proxy_set_header Host $host;
                        proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
                        proxy_set_header X-Forwarded-Proto https;
                    }
                }
            """, cancellationToken: ct);
        var process = ServiceProcess.Start("nginx", binary, ["-p", directory, "-c", configPath, "-g", "daemon off;"], new Dictionary<string, string?>());
        var nginx = new Nginx(process, directory, new Uri($"https://127.0.0.1:{port}/"));
        try
        {
            await WaitListeningAsync(port, process, ct);
            return nginx;
        }
        catch
        {
            await nginx.DisposeAsync();
            throw;
        }
    }

    private static async Task WaitListeningAsync(int port, ServiceProcess process, CancellationToken ct)
    {
        var time = TimeProvider.System;
        var start = time.GetTimestamp();
        while (true)
        {
            Assert.False(process.Exited.IsCompleted, $"nginx exited:\n{process.Log}");
            try
            {
                using var socket = new System.Net.Sockets.Socket(System.Net.Sockets.SocketType.Stream, System.Net.Sockets.ProtocolType.Tcp);
                await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port), ct);
                return;
            }
            catch (System.Net.Sockets.SocketException) when (time.GetElapsedTime(start) < TimeSpan.FromSeconds(20))
            {
                await Task.Delay(TimeSpan.FromMilliseconds(50), ct);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _process.StopAsync(TimeSpan.FromSeconds(5));
        await _process.DisposeAsync();
        Directory.Delete(_directory, recursive: true);
    }
}
