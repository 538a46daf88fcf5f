using System.Net;
using System.Security.Cryptography.X509Certificates;
using Consilium.Testing;

namespace Consilium.Gateway.Tests;

/// <summary>
/// The real gateway on Kestrel serving HTTPS from PEM files (<c>CONSILIUM_TLS_CERT</c>/<c>CONSILIUM_TLS_KEY</c>) issued
/// by a test authority, with a plain-HTTP redirect port and <see cref="TrustedProxy"/> as a trusted hop.
/// </summary>
public sealed class HttpsGatewayFixture : IAsyncLifetime
{
    /// <summary>The loopback address a trusted proxy in front of the gateway connects from.</summary>
    public static readonly IPAddress TrustedProxy = IPAddress.Parse("127.0.0.3");

    private ServiceHost<GatewayApp>? _gateway;

    public FakeOrchestrator Upstream { get; private set; } = null!;

    public TestCertificateAuthority Authority { get; } = TestCertificateAuthority.Create();

    public string Directory { get; } = System.IO.Directory.CreateTempSubdirectory("consilium-gateway-tls-").FullName;

    public string CertificatePath => Path.Combine(Directory, "tls.crt");

    public string KeyPath => Path.Combine(Directory, "tls.key");

    public X509Certificate2 First { get; private set; } = null!;

    public Uri BaseAddress { get; private set; } = null!;

    public int RedirectPort { get; } = Ports.GetFree();

    public async ValueTask InitializeAsync()
    {
        Upstream = await FakeOrchestrator.StartAsync();
        First = Authority.IssueServer("first");
        Authority.WritePem(First, CertificatePath, KeyPath);
        _gateway = ServiceHost<GatewayApp>.Start(new Dictionary<string, string?>
        {
            ["ORCHESTRATOR_URLS"] = Upstream.BaseAddress.AbsoluteUri,
            ["CONSILIUM_TLS_CERT"] = CertificatePath,
            ["CONSILIUM_TLS_KEY"] = KeyPath,
            ["CONSILIUM_HTTP_REDIRECT_PORT"] = RedirectPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["TRUSTED_PROXIES"] = $"{TrustedProxy}/32",
        });
        BaseAddress = _gateway.BaseAddress;
    }

    public HttpClient CreateClient(Version? version = null, Action<X509Certificate2>? presented = null, IPAddress? from = null) =>
        HttpsClients.Create(BaseAddress, Authority.Root, version ?? HttpVersion.Version20, presented: presented, localAddress: from ?? GatewayFixture.ClientAddress);

    public async ValueTask DisposeAsync()
    {
        if (_gateway is not null)
        {
            await _gateway.DisposeAsync();
        }
        if (Upstream is not null)
        {
            await Upstream.DisposeAsync();
        }
        Authority.Dispose();
        System.IO.Directory.Delete(Directory, recursive: true);
    }
}
