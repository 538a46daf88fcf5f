using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Security.Cryptography.X509Certificates;
using Consilium.Testing;

namespace Consilium.EndToEnd.Tests;

/// <summary><c>./run --https</c> with its generated certificate: one launcher shared by the tests of this class.</summary>
public sealed class HttpsLauncherFixture : IAsyncLifetime
{
    private HttpsLauncher? _launcher;

    public HttpsLauncher Launcher => _launcher ?? throw new InvalidOperationException("Not started.");

    public int RedirectPort { get; } = Ports.GetFree();

    public X509Certificate2 Certificate { get; private set; } = null!;

    public async ValueTask InitializeAsync()
    {
        _launcher = await HttpsLauncher.StartAsync(new Dictionary<string, string?>
        {
            ["CONSILIUM_HTTP_REDIRECT_PORT"] = RedirectPort.ToString(CultureInfo.InvariantCulture),
            // Slow enough that a buffering hop would show: each answer takes seconds to write.
            ["SIM_TOKENS_PER_SECOND"] = "100",
        }, TestContext.Current.CancellationToken);
        Certificate = X509CertificateLoader.LoadCertificateFromFile(Launcher.CertificatePath);
    }

    public HttpClient CreateClient(Version version, bool authenticated = true) =>
        HttpsClients.Create(Launcher.Url, Certificate, version, authenticated ? Launcher.Key : null);

    public async ValueTask DisposeAsync()
    {
        if (_launcher is not null)
        {
            await _launcher.DisposeAsync();
        }
    }
}

public sealed class HttpsLauncherTests(HttpsLauncherFixture https) : IClassFixture<HttpsLauncherFixture>
{
    [Fact]
    public void Launcher_Https_PrintsTheHttpsReadyLineAndAGitIgnoredSelfSignedCertificate()
    {
        Assert.Equal(Uri.UriSchemeHttps, https.Launcher.Url.Scheme);
        Assert.EndsWith(Path.Combine(".consilium", "tls", "localhost.crt.pem"), https.Launcher.CertificatePath);
        Assert.Equal(https.Certificate.Subject, https.Certificate.Issuer); // self-signed
        var names = https.Certificate.Extensions.OfType<X509SubjectAlternativeNameExtension>().Single();
        Assert.Contains(IPAddress.Loopback, names.EnumerateIPAddresses());
        Assert.Contains("localhost", names.EnumerateDnsNames());
    }

    [Theory]
    [InlineData("2.0")]
    [InlineData("1.1")]
    public async Task Council_OverHttps_StreamsIncrementallyOverTheNegotiatedProtocol(string version)
    {
        var ct = TestContext.Current.CancellationToken;
        using var client = https.CreateClient(Version.Parse(version));

        using var response = await SseClient.PostAsync(client, "api/consilium",
            new { message = "Should we convert the office tower to flats? [[sim ttft=50 rate=30 tokens=60]]", agents = new[] { "vasquez", "webb", "cross" }, synthesis = false }, ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(Version.Parse(version), response.Version);
        Assert.Equal("max-age=31536000", string.Join(",", response.Headers.GetValues("Strict-Transport-Security")));
        Assert.Equal("no-store", response.Headers.CacheControl?.ToString());
        var transcript = await SseClient.ReadToEndAsync(response, ct);

        Assert.True(transcript.Terminal?.EventType == "done", $"Expected a complete council:\n{transcript}\n{https.Launcher.Process.Log}");
        var deltas = transcript.OfType("delta").ToList();
        Assert.True(deltas.Count > 20, $"Only {deltas.Count} deltas");
        // Each fragment is forwarded as it is written (an answer takes 2 s at 30 tokens/s), not gathered at the end,
        // where they would all arrive at once. The simulator paces from the request's start and catches up after a stall,
        // so the answer is long enough that a starved moment on a busy machine cannot squeeze it into one burst.
        var spread = deltas[^1].Arrived - deltas[0].Arrived;
        Assert.True(spread > TimeSpan.FromMilliseconds(300), $"All deltas arrived within {spread.TotalMilliseconds:0} ms:\n{transcript}");
    }

    [Theory]
    [InlineData("/")]
    [InlineData("/api/agents")]
    public async Task Get_OverHttps_CarriesHstsAndTheSecurityHeaders(string path)
    {
        var ct = TestContext.Current.CancellationToken;
        using var client = https.CreateClient(System.Net.HttpVersion.Version20);

        using var response = await client.GetAsync(path, ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("max-age=31536000", string.Join(",", response.Headers.GetValues("Strict-Transport-Security")));
        Assert.Equal("nosniff", string.Join(",", response.Headers.GetValues("X-Content-Type-Options")));
        Assert.Equal("no-referrer", string.Join(",", response.Headers.GetValues("Referrer-Policy")));
        Assert.Contains("frame-ancestors 'none'", string.Join(",", response.Headers.GetValues("Content-Security-Policy")));
        if (path.StartsWith("/api", StringComparison.Ordinal))
        {
            Assert.Equal("no-store", response.Headers.CacheControl?.ToString());
        }
    }

    [Fact]
    public async Task Plaintext_ToTheTlsPort_IsRefusedClearly()
    {
        var ct = TestContext.Current.CancellationToken;
        var port = https.Launcher.Url.Port;

        var answer = await HttpsClients.SendPlaintextAsync(port, $"GET / HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n", ct);

        Assert.StartsWith("HTTP/1.1 400 Bad Request", answer);
        Assert.Contains("HTTPS only", answer);
        Assert.DoesNotContain("Consilium", answer);
    }

    [Fact]
    public async Task RedirectPort_Gives308AndKeepsHealthAnswering()
    {
        var ct = TestContext.Current.CancellationToken;
        using var plain = new HttpClient(new SocketsHttpHandler { AllowAutoRedirect = false, UseProxy = false });

        using var redirect = await plain.GetAsync($"http://127.0.0.1:{https.RedirectPort}/?q=1", ct);
        using var health = await plain.GetAsync($"http://127.0.0.1:{https.RedirectPort}/health", ct);

        Assert.Equal(HttpStatusCode.PermanentRedirect, redirect.StatusCode);
        Assert.Equal(new Uri($"{https.Launcher.Url}?q=1"), redirect.Headers.Location);
        Assert.Equal(HttpStatusCode.OK, health.StatusCode);
    }

    [Fact]
    public async Task Curl_WithCacertOfThePrintedPath_ValidatesTheGateway()
    {
        var ct = TestContext.Current.CancellationToken;
        var curl = new[] { "/usr/bin/curl", "/usr/local/bin/curl" }.FirstOrDefault(File.Exists);
        Assert.True(curl is not null, "This test runs curl as a real client: install it (apt-get install curl).");
        var start = new ProcessStartInfo(curl)
        {
            ArgumentList = { "--silent", "--show-error", "--fail", "--cacert", https.Launcher.CertificatePath, new Uri(https.Launcher.Url, "health").AbsoluteUri },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        using var process = Process.Start(start)!;
        var output = await process.StandardOutput.ReadToEndAsync(ct);
        var errors = await process.StandardError.ReadToEndAsync(ct);
        await process.WaitForExitAsync(ct);

        Assert.True(process.ExitCode == 0, $"curl exited {process.ExitCode}: {errors}");
        Assert.Contains("Healthy", output);
    }
}
