using System.Net;
using Consilium.Testing;

namespace Consilium.Gateway.Tests;

public sealed class TlsConfigurationTests : IDisposable
{
    private readonly TestCertificateAuthority _authority = TestCertificateAuthority.Create();
    private readonly string _directory = Directory.CreateTempSubdirectory("consilium-gateway-tls-config-").FullName;

    private string Cert => Path.Combine(_directory, "tls.crt");

    private string Key => Path.Combine(_directory, "tls.key");

    [Fact]
    public async Task Start_KestrelsOwnCertificateSettings_ServesHttpsWithThatCertificate()
    {
        var ct = TestContext.Current.CancellationToken;
        var server = _authority.IssueServer("kestrel-convention");
        _authority.WritePem(server, Cert, Key);
        await using var upstream = await FakeOrchestrator.StartAsync();
        await using var gateway = ServiceHost<GatewayApp>.Start(new Dictionary<string, string?>
        {
            ["ORCHESTRATOR_URLS"] = upstream.BaseAddress.AbsoluteUri,
            ["Kestrel:Certificates:Default:Path"] = Cert,
            ["Kestrel:Certificates:Default:KeyPath"] = Key,
        });
        string? thumbprint = null;
        using var client = HttpsClients.Create(gateway.BaseAddress, _authority.Root, HttpVersion.Version20, presented: c => thumbprint = c.Thumbprint);

        // /alive: /health stays 503 until the gateway's first probe of the orchestrators has succeeded.
        using var response = await client.GetAsync("/alive", ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(server.Thumbprint, thumbprint);
        Assert.True(response.Headers.Contains("Strict-Transport-Security"));
    }

    [Theory]
    [InlineData("cert-only", "CONSILIUM_TLS_KEY")]
    [InlineData("key-only", "CONSILIUM_TLS_CERT")]
    [InlineData("missing-cert", "CONSILIUM_TLS_CERT")]
    [InlineData("not-a-cert", "CONSILIUM_TLS_CERT")]
    [InlineData("wrong-key", "CONSILIUM_TLS_KEY")]
    [InlineData("kestrel-key-only", "Kestrel__Certificates__Default__Path")]
    [InlineData("redirect-without-cert", "CONSILIUM_HTTP_REDIRECT_PORT")]
    [InlineData("bad-redirect-port", "CONSILIUM_HTTP_REDIRECT_PORT")]
    [InlineData("bad-trusted-proxies", "TRUSTED_PROXIES")]
    public async Task Start_BadTlsConfiguration_ExitsWithOneLineNamingTheVariable(string mistake, string variable)
    {
        var server = _authority.IssueServer("server");
        _authority.WritePem(server, Cert, Key);
        var otherKey = Path.Combine(_directory, "other.key");
        _authority.WritePem(_authority.IssueServer("other"), Path.Combine(_directory, "other.crt"), otherKey);
        var notACert = Path.Combine(_directory, "not-a-cert.pem");
        await File.WriteAllTextAsync(notACert, "hello", TestContext.Current.CancellationToken);

        var environment = new Dictionary<string, string?>
        {
            ["ORCHESTRATOR_URLS"] = "http://127.0.0.1:1",
            ["CONSILIUM_TLS_CERT"] = null,
            ["CONSILIUM_TLS_KEY"] = null,
            ["CONSILIUM_HTTP_REDIRECT_PORT"] = null,
            ["TRUSTED_PROXIES"] = null,
        };
        foreach (var (name, value) in mistake switch
        {
            "cert-only" => [("CONSILIUM_TLS_CERT", Cert)],
            "key-only" => [("CONSILIUM_TLS_KEY", Key)],
            "missing-cert" => [("CONSILIUM_TLS_CERT", Path.Combine(_directory, "absent.crt")), ("CONSILIUM_TLS_KEY", Key)],
            "not-a-cert" => [("CONSILIUM_TLS_CERT", notACert), ("CONSILIUM_TLS_KEY", Key)],
            "wrong-key" => [("CONSILIUM_TLS_CERT", Cert), ("CONSILIUM_TLS_KEY", otherKey)],
            "kestrel-key-only" => [("Kestrel__Certificates__Default__KeyPath", Key)],
            "redirect-without-cert" => [("CONSILIUM_HTTP_REDIRECT_PORT", "8081")],
            "bad-redirect-port" => [("CONSILIUM_TLS_CERT", Cert), ("CONSILIUM_TLS_KEY", Key), ("CONSILIUM_HTTP_REDIRECT_PORT", "http")],
            "bad-trusted-proxies" => new (string, string?)[] { ("TRUSTED_PROXIES", "ingress.local") },
            _ => throw new ArgumentOutOfRangeException(nameof(mistake)),
        })
        {
            environment[name] = value;
        }

        var exit = await ServiceExit.RunAsync("Consilium.Gateway.dll", environment, TestContext.Current.CancellationToken);

        var errors = exit.StandardError.Trim();
        Assert.Equal(1, exit.ExitCode);
        Assert.StartsWith($"Configuration error: {variable}", errors);
        Assert.DoesNotContain('\n', errors);
    }

    public void Dispose()
    {
        _authority.Dispose();
        Directory.Delete(_directory, recursive: true);
    }
}
