using System.Globalization;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using Consilium.Benchmark.Hosting;
using Consilium.Benchmark.Measurement;
using Consilium.Benchmark.Reporting;
using Consilium.Local.Processes;
using Consilium.Testing;

namespace Consilium.Benchmark.Scenarios;

/// <summary>
/// What TLS at the edge costs (docs/https.md): a second gateway process serving HTTPS from PEM files, in front of the
/// same orchestrator as the plain one, measured in the same run. The TLS handshake alone (TCP connect, then
/// <see cref="SslStream"/> with ALPN and full certificate validation), and the time to the first text delta of
/// <c>POST /api/agent/{id}</c> on a new connection (handshake included) and on a reused one, for plain HTTP/1.1,
/// HTTPS HTTP/1.1 and HTTPS HTTP/2. The kinds are interleaved request by request, so drift in the machine's load
/// falls on all of them alike.
/// </summary>
public sealed class HttpsScenario(BenchTopology topology, BenchmarkOptions options, Report report)
{
    private const string AgentId = "vasquez";

    private sealed record Kind(string Name, Uri BaseUrl, Version Version);

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var system = topology.System;
        using var authority = TestCertificateAuthority.Create("Consilium benchmark CA");
        var directory = Directory.CreateTempSubdirectory("consilium-bench-tls-").FullName;
        var port = Ports.GetFree();
        authority.WritePem(authority.IssueServer("benchmark gateway"), Path.Combine(directory, "tls.crt"), Path.Combine(directory, "tls.key"));
        Report.Progress("https: starting a second gateway with TLS in front of the same orchestrator");
        await using var gateway = ServiceProcess.Start("gateway-tls", DotnetHost.Path, [Path.Combine(AppContext.BaseDirectory, "Consilium.Gateway.dll")],
            new Dictionary<string, string?>
            {
                ["ORCHESTRATOR_URLS"] = system.OrchestratorUrl.AbsoluteUri,
                ["CONSILIUM_TLS_CERT"] = Path.Combine(directory, "tls.crt"),
                ["CONSILIUM_TLS_KEY"] = Path.Combine(directory, "tls.key"),
                ["ASPNETCORE_URLS"] = $"https://127.0.0.1:{port}",
                ["ASPNETCORE_HTTP_PORTS"] = null,
                ["Logging__LogLevel__Default"] = "Warning",
            });
        try
        {
            var https = new Uri($"https://127.0.0.1:{port}/");
            await WaitHealthyAsync(https, authority.Root, gateway, cancellationToken);
            Kind[] kinds =
            [
                new("HTTP/1.1 (plain)", system.GatewayUrl, HttpVersion.Version11),
                new("HTTPS HTTP/1.1", https, HttpVersion.Version11),
                new("HTTPS HTTP/2", https, HttpVersion.Version20),
            ];
            var count = options.Quick ? 30 : 200;
            var message = $"{Requests.Pace(5, 1000, 5)} {Requests.Question}";

            // Warm-up: JIT tiers and pools in both gateways and the orchestrator.
            Report.Progress("https: warm-up");
            await MeasureAsync(kinds, Math.Min(count, 20), message, authority.Root, system.Secret, cancellationToken);

            var connect = new List<double>();
            var handshakeH2 = new List<double>();
            var handshakeH1 = new List<double>();
            Report.Progress($"https: {count} TLS handshakes per ALPN protocol");
            for (var i = 0; i < count; i++)
            {
                connect.Add(await TcpConnectAsync(system.GatewayUrl.Port, cancellationToken));
                handshakeH2.Add(await HandshakeAsync(port, SslApplicationProtocol.Http2, authority.Root, cancellationToken));
                handshakeH1.Add(await HandshakeAsync(port, SslApplicationProtocol.Http11, authority.Root, cancellationToken));
            }

            Report.Progress($"https: {count} requests per kind, new connections and reused ones");
            var (fresh, reused) = await MeasureAsync(kinds, count, message, authority.Root, system.Secret, cancellationToken);
            Print(kinds, connect, handshakeH1, handshakeH2, fresh, reused);
        }
        finally
        {
            await gateway.StopAsync(TimeSpan.FromSeconds(5));
            Directory.Delete(directory, recursive: true);
        }
    }

    private async Task<(Dictionary<Kind, List<StreamSample>> Fresh, Dictionary<Kind, List<StreamSample>> Reused)> MeasureAsync(
        Kind[] kinds, int count, string message, X509Certificate2 trust, string secret, CancellationToken cancellationToken)
    {
        var fresh = kinds.ToDictionary(k => k, _ => new List<StreamSample>());
        var reused = kinds.ToDictionary(k => k, _ => new List<StreamSample>());
        var pooled = kinds.ToDictionary(k => k, k => Client(k, trust));
        try
        {
            for (var i = 0; i < count; i++)
            {
                foreach (var kind in kinds)
                {
                    using (var client = Client(kind, trust))
                    {
                        fresh[kind].Add(await StreamTimer.RunAsync(client, Request(kind, secret, message), "done", cancellationToken));
                    }
                    reused[kind].Add(await StreamTimer.RunAsync(pooled[kind], Request(kind, secret, message), "done", cancellationToken));
                }
            }
        }
        finally
        {
            foreach (var client in pooled.Values)
            {
                client.Dispose();
            }
        }
        return (fresh, reused);
    }

    private static HttpRequestMessage Request(Kind kind, string secret, string message)
    {
        var request = Requests.PublicAgent(kind.BaseUrl, secret, AgentId, message);
        request.Version = kind.Version;
        request.VersionPolicy = HttpVersionPolicy.RequestVersionExact;
        return request;
    }

    private static HttpClient Client(Kind kind, X509Certificate2 trust) =>
        HttpsClients.Create(kind.BaseUrl, trust, kind.Version);

    private static async Task<double> TcpConnectAsync(int port, CancellationToken cancellationToken)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        var start = Clock.Now();
        await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port), cancellationToken);
        return Clock.MsSince(start);
    }

    /// <summary>TCP connect plus the TLS handshake, with the chain and name validated against the benchmark's authority.</summary>
    private static async Task<double> HandshakeAsync(int port, SslApplicationProtocol protocol, X509Certificate2 trust, CancellationToken cancellationToken)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        var start = Clock.Now();
        await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port), cancellationToken);
        await using var tls = new SslStream(new NetworkStream(socket, ownsSocket: false));
        await tls.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
        {
            TargetHost = "127.0.0.1",
            ApplicationProtocols = [protocol],
            CertificateChainPolicy = new X509ChainPolicy
            {
                TrustMode = X509ChainTrustMode.CustomRootTrust,
                CustomTrustStore = { trust },
                RevocationMode = X509RevocationMode.NoCheck,
            },
        }, cancellationToken);
        var elapsed = Clock.MsSince(start);
        if (tls.NegotiatedApplicationProtocol != protocol)
        {
            throw new InvalidOperationException($"ALPN negotiated {tls.NegotiatedApplicationProtocol}, not {protocol}.");
        }
        return elapsed;
    }

    private static async Task WaitHealthyAsync(Uri https, X509Certificate2 trust, ServiceProcess gateway, CancellationToken cancellationToken)
    {
        using var client = HttpsClients.Create(https, trust, HttpVersion.Version11);
        using var wait = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        wait.CancelAfter(TimeSpan.FromSeconds(60));
        while (true)
        {
            if (gateway.Exited.IsCompleted)
            {
                throw new InvalidOperationException($"The TLS gateway exited:\n{gateway.Log}");
            }
            try
            {
                using var response = await client.GetAsync("health", wait.Token);
                if (response.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // not listening yet
            }
            await Task.Delay(TimeSpan.FromMilliseconds(100), wait.Token);
        }
    }

    private void Print(
        Kind[] kinds, List<double> connect, List<double> handshakeH1, List<double> handshakeH2,
        Dictionary<Kind, List<StreamSample>> fresh, Dictionary<Kind, List<StreamSample>> reused)
    {
        report.Line("### HTTPS at the gateway: handshake and first-delta cost");
        report.Line();
        report.Line("One stream at a time, `POST /api/agent/vasquez` (simulated TTFT 5 ms) through a plain gateway and a TLS " +
            "gateway (ECDSA P-256 certificate, TLS 1.3) in front of the same orchestrator. \"New connection\" opens a " +
            "connection per request (TCP and, for HTTPS, the TLS handshake included); \"reused\" sends on one kept-alive connection.");
        report.Line();
        var connection = new MarkdownTable("connection setup", "n", "p50 ms", "p99 ms");
        Row(connection, "TCP connect (plain gateway)", connect);
        Row(connection, "TCP + TLS handshake, ALPN http/1.1", handshakeH1);
        Row(connection, "TCP + TLS handshake, ALPN h2", handshakeH2);
        report.Table(connection);

        var table = new MarkdownTable("path", "first delta, new connection p50 ms", "p99 ms", "first delta, reused p50 ms", "p99 ms", "failed");
        foreach (var kind in kinds)
        {
            var first = new Distribution(fresh[kind].Where(s => s.Succeeded).Select(s => s.TtftMs));
            var warm = new Distribution(reused[kind].Where(s => s.Succeeded).Select(s => s.TtftMs));
            var failed = fresh[kind].Count(s => !s.Succeeded) + reused[kind].Count(s => !s.Succeeded);
            table.Row(kind.Name, MarkdownTable.Ms(first.P50), MarkdownTable.Ms(first.P99), MarkdownTable.Ms(warm.P50), MarkdownTable.Ms(warm.P99),
                failed.ToString(CultureInfo.InvariantCulture));
        }
        report.Table(table);
    }

    private static void Row(MarkdownTable table, string name, List<double> samples)
    {
        var distribution = new Distribution(samples);
        table.Row(name, distribution.Count.ToString(CultureInfo.InvariantCulture), MarkdownTable.Ms(distribution.P50), MarkdownTable.Ms(distribution.P99));
    }
}
