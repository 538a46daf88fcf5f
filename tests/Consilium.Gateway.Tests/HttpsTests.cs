using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography.X509Certificates;
using System.Text.RegularExpressions;
using Consilium.Gateway.Http;
using Consilium.Testing;

namespace Consilium.Gateway.Tests;

public sealed partial class HttpsTests(HttpsGatewayFixture gateway) : IClassFixture<HttpsGatewayFixture>
{
    [Fact]
    public void Start_WithCertificate_ListensOnHttps()
    {
        Assert.Equal(Uri.UriSchemeHttps, gateway.BaseAddress.Scheme);
    }

    [Theory]
    [InlineData("2.0")]
    [InlineData("1.1")]
    public async Task Get_Page_NegotiatesTheProtocolAndCarriesHstsAndSecurityHeaders(string version)
    {
        var ct = TestContext.Current.CancellationToken;
        using var client = gateway.CreateClient(Version.Parse(version));

        using var response = await client.GetAsync("/", ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(Version.Parse(version), response.Version);
        Assert.Equal("max-age=31536000", Header(response, "Strict-Transport-Security"));
        Assert.Equal("nosniff", Header(response, "X-Content-Type-Options"));
        Assert.Equal("no-referrer", Header(response, "Referrer-Policy"));
        var policy = Header(response, "Content-Security-Policy");
        Assert.Contains("frame-ancestors 'none'", policy);

        // The header is at least as strict as the page's own <meta> policy: every directive of it, unchanged.
        var html = await response.Content.ReadAsStringAsync(ct);
        var meta = MetaPolicy().Match(html);
        Assert.True(meta.Success, "wwwroot/index.html carries a Content-Security-Policy <meta> tag");
        foreach (var directive in meta.Groups["policy"].Value.Split(';', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            Assert.Contains(directive, policy.Split(';', StringSplitOptions.TrimEntries));
        }
    }

    [Fact]
    public async Task Get_Api_IsNotStoredAndCarriesTheApiPolicy()
    {
        var ct = TestContext.Current.CancellationToken;
        using var client = gateway.CreateClient();

        using var response = await client.GetAsync("/api/headers", ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("no-store", Header(response, "Cache-Control"));
        Assert.Equal(SecurityHeaders.ApiPolicy, Header(response, "Content-Security-Policy"));
        Assert.Equal("nosniff", Header(response, "X-Content-Type-Options"));
        Assert.Equal("no-referrer", Header(response, "Referrer-Policy"));
        Assert.Equal("max-age=31536000", Header(response, "Strict-Transport-Security"));
        var seen = await response.Content.ReadFromJsonAsync<EchoedRequest>(ct);
        Assert.Equal("https", seen!.Headers["x-forwarded-proto"]);
    }

    [Fact]
    public async Task Get_UnknownPath_ProblemCarriesHstsAndHeaders()
    {
        var ct = TestContext.Current.CancellationToken;
        using var client = gateway.CreateClient();

        using var response = await client.GetAsync("/nothing-here", ct);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("max-age=31536000", Header(response, "Strict-Transport-Security"));
        Assert.Equal("nosniff", Header(response, "X-Content-Type-Options"));
        Assert.Contains("frame-ancestors 'none'", Header(response, "Content-Security-Policy"));
    }

    [Fact]
    public async Task Get_UpstreamWithItsOwnPolicy_KeepsTheUpstreamPolicy()
    {
        var ct = TestContext.Current.CancellationToken;
        using var client = gateway.CreateClient();

        using var response = await client.GetAsync("/api/own-policy", ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(FakeOrchestrator.OwnPolicy, Header(response, "Content-Security-Policy"));
        Assert.Equal("nosniff", Header(response, "X-Content-Type-Options"));
    }

    [Fact]
    public async Task Plaintext_OnTheTlsPort_IsRefusedWithUseHttps()
    {
        var ct = TestContext.Current.CancellationToken;

        var answer = await HttpsClients.SendPlaintextAsync(gateway.BaseAddress.Port, $"GET / HTTP/1.1\r\nHost: 127.0.0.1:{gateway.BaseAddress.Port}\r\n\r\n", ct);

        Assert.StartsWith("HTTP/1.1 400 Bad Request\r\n", answer);
        Assert.Contains("https://", answer);
        Assert.DoesNotContain("<html", answer, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task RedirectPort_PlainRequest_Gets308ToTheHttpsAddress()
    {
        var ct = TestContext.Current.CancellationToken;
        using var client = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false, UseProxy = false });

        using var response = await client.GetAsync($"http://127.0.0.1:{gateway.RedirectPort}/api/agents?x=1", ct);

        Assert.Equal(HttpStatusCode.PermanentRedirect, response.StatusCode);
        Assert.Equal(new Uri($"https://127.0.0.1:{gateway.BaseAddress.Port}/api/agents?x=1"), response.Headers.Location);
        Assert.False(response.Headers.Contains("Strict-Transport-Security"), "HSTS is only ever sent over HTTPS");
    }

    [Theory]
    [InlineData("/health")]
    [InlineData("/alive")]
    public async Task RedirectPort_Probe_AnswersNormally(string path)
    {
        var ct = TestContext.Current.CancellationToken;
        using var client = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false, UseProxy = false });

        // /health is 503 until the gateway's first probe of the orchestrators succeeded: wait for ready, then look.
        var url = $"http://127.0.0.1:{gateway.RedirectPort}{path}";
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var response = await client.GetAsync(url, ct);
        while (response.StatusCode == HttpStatusCode.ServiceUnavailable && clock.Elapsed < TimeSpan.FromSeconds(20))
        {
            response.Dispose();
            await Task.Delay(100, ct);
            response = await client.GetAsync(url, ct);
        }

        using (response)
        {
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }
    }

    [Fact]
    public async Task Proxy_TrustedHop_ForwardsTheEntryItAppendedNeverTheClientsOwn()
    {
        var ct = TestContext.Current.CancellationToken;
        using var client = gateway.CreateClient(from: HttpsGatewayFixture.TrustedProxy);
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/headers");
        request.Headers.TryAddWithoutValidation("X-Forwarded-For", "6.6.6.6, 203.0.113.5");

        using var response = await client.SendAsync(request, ct);
        var seen = await response.Content.ReadFromJsonAsync<EchoedRequest>(ct);

        Assert.Equal("203.0.113.5", seen!.Headers["x-forwarded-for"]);
    }

    [Fact]
    public async Task Proxy_UntrustedPeer_ItsForwardedForIsIgnored()
    {
        var ct = TestContext.Current.CancellationToken;
        using var client = gateway.CreateClient(from: GatewayFixture.ClientAddress);
        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/headers");
        request.Headers.TryAddWithoutValidation("X-Forwarded-For", "6.6.6.6, 203.0.113.5");

        using var response = await client.SendAsync(request, ct);
        var seen = await response.Content.ReadFromJsonAsync<EchoedRequest>(ct);

        Assert.Equal(GatewayFixture.ClientAddress.ToString(), seen!.Headers["x-forwarded-for"]);
    }

    [Fact]
    public async Task Rotation_FilesReplaced_NextConnectionGetsTheNewCertificateAndABrokenFileKeepsIt()
    {
        var ct = TestContext.Current.CancellationToken;
        var second = gateway.Authority.IssueServer("second");
        try
        {
            Assert.Equal(gateway.First.Thumbprint, (await Presented(ct)).Thumbprint);

            gateway.Authority.WritePem(second, gateway.CertificatePath, gateway.KeyPath);
            Assert.Equal(second.Thumbprint, (await Presented(ct)).Thumbprint);

            // Half-written: a key that is not a key yet. The previous certificate stays.
            await File.WriteAllTextAsync(gateway.KeyPath, "-----BEGIN PRIVATE KEY-----\nAAAA", ct);
            Assert.Equal(second.Thumbprint, (await Presented(ct)).Thumbprint);
        }
        finally
        {
            gateway.Authority.WritePem(gateway.First, gateway.CertificatePath, gateway.KeyPath);
        }
        Assert.Equal(gateway.First.Thumbprint, (await Presented(ct)).Thumbprint);
    }

    /// <summary>The certificate a new connection is served (each client makes its own connection).</summary>
    private async Task<X509Certificate2> Presented(CancellationToken ct)
    {
        X509Certificate2? presented = null;
        using var client = gateway.CreateClient(presented: certificate => presented = certificate);
        using var response = await client.GetAsync("/alive", ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return presented ?? throw new InvalidOperationException("No certificate was presented.");
    }

    private static string Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) || response.Content.Headers.TryGetValues(name, out values)
            ? string.Join(", ", values)
            : throw new Xunit.Sdk.XunitException($"{name} is missing; got: {response.Headers}{response.Content.Headers}");

    [GeneratedRegex("""<meta http-equiv="Content-Security-Policy"\s+content="(?<policy>[^"]+)">""")]
    private static partial Regex MetaPolicy();
}
