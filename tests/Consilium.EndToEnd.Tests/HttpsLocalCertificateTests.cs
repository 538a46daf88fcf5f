using System.Security.Cryptography.X509Certificates;
using Consilium.Local.Tls;
using Consilium.Local.Topology;
using Microsoft.Extensions.Time.Testing;

namespace Consilium.EndToEnd.Tests;

/// <summary>The certificate <c>./run --https</c> makes and reuses, and how the plan hands it to the gateway.</summary>
public sealed class HttpsLocalCertificateTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("consilium-local-tls-").FullName;

    [Fact]
    public void Ensure_SecondRunWhileValid_ReusesTheSameCertificate()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);

        var first = LocalCertificate.Ensure(_directory, time);
        var second = LocalCertificate.Ensure(_directory, time);

        Assert.True(first.Created);
        Assert.False(second.Created);
        Assert.Equal(Thumbprint(first.CertificatePath), Thumbprint(second.CertificatePath));
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(first.KeyPath));
        }
    }

    [Fact]
    public void Ensure_CertificateAboutToExpire_MakesANewOne()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var first = Thumbprint(LocalCertificate.Ensure(_directory, time).CertificatePath);

        time.Advance(LocalCertificate.Lifetime - TimeSpan.FromHours(12));
        var renewed = LocalCertificate.Ensure(_directory, time);

        Assert.True(renewed.Created);
        Assert.NotEqual(first, Thumbprint(renewed.CertificatePath));
    }

    [Fact]
    public void Ensure_KeyReplacedByAnother_MakesANewPair()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var first = LocalCertificate.Ensure(_directory, time);
        var other = Directory.CreateTempSubdirectory("consilium-local-tls-other-").FullName;
        try
        {
            File.Copy(LocalCertificate.Ensure(other, time).KeyPath, first.KeyPath, overwrite: true);

            Assert.True(LocalCertificate.Ensure(_directory, time).Created);
        }
        finally
        {
            Directory.Delete(other, recursive: true);
        }
    }

    [Fact]
    public void Plan_WithCertificate_GatewayServesHttpsWithIt()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var (cert, key, _) = LocalCertificate.Ensure(_directory, time);

        var plan = TopologyPlan.Create(new TopologyOptions
        {
            GatewayPort = 18443,
            Inherited = _ => null,
            GatewayCertificate = new GatewayCertificate(cert, key, Generated: true),
        });

        Assert.Equal(new Uri("https://127.0.0.1:18443/"), plan.Gateway.Url);
        Assert.Equal("https://127.0.0.1:18443", plan.Gateway.Environment["ASPNETCORE_URLS"]);
        Assert.Equal(cert, plan.Gateway.Environment["CONSILIUM_TLS_CERT"]);
        Assert.Equal(key, plan.Gateway.Environment["CONSILIUM_TLS_KEY"]);
        Assert.Equal("https://127.0.0.1:18443,https://localhost:18443", plan.Gateway.Environment["ALLOWED_ORIGINS"]);
        Assert.DoesNotContain("CONSILIUM_TLS_CERT", plan.Orchestrator.Environment.Keys);
    }

    [Fact]
    public void Plan_WithoutCertificate_WithholdsInheritedCertificateVariablesFromTheGateway()
    {
        var plan = TopologyPlan.Create(new TopologyOptions
        {
            GatewayPort = 18080,
            Inherited = name => name.StartsWith("CONSILIUM_TLS_", StringComparison.Ordinal) ? "/somewhere.pem" : null,
        });

        Assert.Equal(new Uri("http://127.0.0.1:18080/"), plan.Gateway.Url);
        Assert.Null(plan.Gateway.Environment["CONSILIUM_TLS_CERT"]);
        Assert.Null(plan.Gateway.Environment["CONSILIUM_TLS_KEY"]);
    }

    private static string Thumbprint(string path) => X509CertificateLoader.LoadCertificateFromFile(path).Thumbprint;

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}
