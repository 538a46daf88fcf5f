using Consilium.Cli;
using Consilium.Local.Tls;
using Consilium.Testing;

namespace Consilium.Clients.Tests;

/// <summary>
/// The <c>consilium</c> tool against the gateway serving HTTPS with a self-signed certificate, made exactly as
/// <c>./run --https</c> makes it (docs/https.md): trusted with <c>--cacert</c>, refused without it.
/// </summary>
public sealed class CliHttpsTests(HttpsSystemFixture system) : IClassFixture<HttpsSystemFixture>
{
    private ProcessTopology Topology => system.Topology;

    private string CertificatePath => system.CertificatePath;

    [Fact]
    public async Task Agents_OverHttpsWithCacert_ListsTheTen_AndWithoutItExitsNamingTheCertificateProblem()
    {
        var ct = TestContext.Current.CancellationToken;
        var url = Topology.GatewayUrl.ToString();
        Assert.StartsWith("https://", url, StringComparison.Ordinal);
        string[] args = ["agents", "--json", "--url", url, "--key", Topology.Secret];

        var trusted = await CliProcess.RunAsync([.. args, "--cacert", CertificatePath], null, ct);
        var untrusted = await CliProcess.RunAsync(args, null, ct);

        Assert.True(trusted.ExitCode == ExitCodes.Ok, trusted.ToString());
        Assert.Equal(10, trusted.Lines.Count);
        Assert.True(untrusted.ExitCode == ExitCodes.Server, untrusted.ToString());
        Assert.Empty(untrusted.Stdout.Trim());
        Assert.Contains("TLS certificate was not accepted", untrusted.Stderr, StringComparison.Ordinal);
        Assert.Contains("--cacert", untrusted.Stderr, StringComparison.Ordinal);
        Assert.Contains("UntrustedRoot", untrusted.Stderr, StringComparison.Ordinal); // the chain's own reason, from the TLS layer
    }

    [Fact]
    public async Task Ask_OverHttpsWithCacert_StreamsTheCouncilToDone()
    {
        var ct = TestContext.Current.CancellationToken;

        var outcome = await CliProcess.RunAsync(
            ["ask", "Is a ground lease worth it?", "--agents", "chen,okafor", "--no-synthesis", "--json",
                "--url", Topology.GatewayUrl.ToString(), "--key", Topology.Secret, "--cacert", CertificatePath], null, ct);

        Assert.True(outcome.ExitCode == ExitCodes.Ok, outcome.ToString());
        Assert.Contains("\"event\":\"done\"", outcome.Lines[^1], StringComparison.Ordinal);
    }

}

/// <summary>The system as processes, its gateway on HTTPS with a certificate made as <c>./run --https</c> makes one.</summary>
public sealed class HttpsSystemFixture : IAsyncLifetime
{
    private readonly string _directory = Directory.CreateTempSubdirectory("consilium-cli-tls-").FullName;
    private ProcessTopology? _topology;

    public ProcessTopology Topology => _topology ?? throw new InvalidOperationException("The system has not been started.");

    public string CertificatePath { get; private set; } = "";

    public async ValueTask InitializeAsync()
    {
        var (certificatePath, keyPath, _) = LocalCertificate.Ensure(_directory, TimeProvider.System);
        CertificatePath = certificatePath;
        _topology = await ProcessTopology.StartAsync(cancellationToken: TestContext.Current.CancellationToken,
            gatewayCertificate: new GatewayCertificate(certificatePath, keyPath, Generated: true));
    }

    public async ValueTask DisposeAsync()
    {
        if (_topology is not null)
        {
            await _topology.DisposeAsync();
        }
        Directory.Delete(_directory, recursive: true);
    }
}
