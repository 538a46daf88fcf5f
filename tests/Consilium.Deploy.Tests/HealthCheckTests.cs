using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Consilium.Local.Processes;
using Consilium.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;

namespace Consilium.Deploy.Tests;

/// <summary>
/// <c>&lt;service&gt; --health-check</c>, the compose health check of the chiseled images (docs/deploy.md "Health checks"):
/// each built service binary run as its own process against a live service, a closed port, an unhealthy answer and
/// an HTTPS-only listener.
/// </summary>
public sealed class HealthCheckTests
{
    private static readonly string[] Check = ["--health-check"];

    public static TheoryData<string> Services() => ServiceProjects.All();

    [Theory]
    [MemberData(nameof(Services))]
    public async Task HealthCheck_ServiceListeningOnItsHttpPort_ExitsZero(string project)
    {
        await using var live = await LiveService.StartAsync(https: null);
        // The image sets ASPNETCORE_HTTP_PORTS=8080 and nothing else; here the same variable names the live port.
        var exit = await RunAsync(project, new() { ["ASPNETCORE_HTTP_PORTS"] = live.Url.Port.ToString(System.Globalization.CultureInfo.InvariantCulture) });

        AssertHealthy(exit, $"http://127.0.0.1:{live.Url.Port}");
    }

    [Theory]
    [MemberData(nameof(Services))]
    public async Task HealthCheck_NothingListening_ExitsOneWithOneLineSayingWhy(string project)
    {
        var port = Ports.GetFree();
        var exit = await RunAsync(project, new() { ["ASPNETCORE_URLS"] = $"http://+:{port}" });

        Assert.Equal(1, exit.ExitCode);
        var line = Assert.Single(exit.ErrorLines);
        Assert.StartsWith($"unhealthy: GET http://127.0.0.1:{port}/alive failed:", line, StringComparison.Ordinal);
        Assert.Contains("refused", line, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task HealthCheck_AliveAnswersServiceUnavailable_ExitsOne()
    {
        await using var unhealthy = await UnhealthyListener.StartAsync();
        var exit = await RunAsync("Consilium.Gateway", new() { ["ASPNETCORE_URLS"] = unhealthy.Url.ToString() });

        Assert.Equal(1, exit.ExitCode);
        Assert.Equal($"unhealthy: GET {new Uri(unhealthy.Url, "/alive")} answered 503 Service Unavailable.", Assert.Single(exit.ErrorLines));
    }

    [Fact]
    public async Task HealthCheck_OnlyAnHttpsListener_ConnectsOverTlsAndAcceptsTheServicesOwnCertificate()
    {
        using var folder = new TempFolder();
        var certificate = SelfSigned.Write(folder.Path, "service");
        await using var live = await LiveService.StartAsync(https: certificate);
        var exit = await RunAsync("Consilium.Orchestrator", certificate.Environment(live.Url));

        AssertHealthy(exit, $"https://127.0.0.1:{live.Url.Port}");
    }

    [Fact]
    public async Task HealthCheck_GatewayCertificateFromConsiliumTlsCert_ProbesItsHttpPortOverTls()
    {
        using var folder = new TempFolder();
        var certificate = SelfSigned.Write(folder.Path, "gateway");
        await using var live = await LiveService.StartAsync(https: certificate);
        // With CONSILIUM_TLS_CERT the gateway speaks TLS on every address, ASPNETCORE_HTTP_PORTS' included (docs/https.md).
        var exit = await RunAsync("Consilium.Gateway", new()
        {
            ["ASPNETCORE_HTTP_PORTS"] = live.Url.Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["CONSILIUM_TLS_CERT"] = certificate.CertificatePath,
            ["CONSILIUM_TLS_KEY"] = certificate.KeyPath,
        });

        AssertHealthy(exit, $"https://127.0.0.1:{live.Url.Port}");
    }

    [Fact]
    public async Task HealthCheck_HttpsListenerServingAnotherCertificate_ExitsOneNamingTheExpectedOne()
    {
        using var folder = new TempFolder();
        var served = SelfSigned.Write(folder.Path, "served");
        var configured = SelfSigned.Write(folder.Path, "configured");
        await using var live = await LiveService.StartAsync(https: served);
        // The probe reads the service's certificate from the configuration; a different one answering is not the service.
        var exit = await RunAsync("Consilium.Agent", configured.Environment(live.Url));

        Assert.Equal(1, exit.ExitCode);
        var line = Assert.Single(exit.ErrorLines);
        Assert.Contains("TLS handshake failed", line, StringComparison.Ordinal);
        Assert.Contains(configured.CertificatePath, line, StringComparison.Ordinal);
    }

    private static void AssertHealthy(ServiceExit exit, string origin)
    {
        Assert.True(exit.ExitCode == 0, $"--health-check exited {exit.ExitCode}: {exit.StandardError}");
        Assert.Contains($"GET {origin}/alive answered 200", exit.StandardOutput, StringComparison.Ordinal);
        Assert.Empty(exit.ErrorLines);
    }

    private static Task<ServiceExit> RunAsync(string project, Dictionary<string, string?> environment)
    {
        // Nothing from the test's own environment decides where the probe goes.
        foreach (var name in new[] { "ASPNETCORE_URLS", "ASPNETCORE_HTTP_PORTS", "ASPNETCORE_HTTPS_PORTS", "DOTNET_URLS", "CONSILIUM_TLS_CERT", "CONSILIUM_TLS_KEY" })
        {
            environment.TryAdd(name, null);
        }
        return ServiceExit.RunAsync($"{project}.dll", Check, environment, TestContext.Current.CancellationToken);
    }

    /// <summary>The model simulator (it needs no settings) as a real process on a free loopback port, until disposed.</summary>
    private sealed class LiveService : IAsyncDisposable
    {
        private readonly ServiceProcess _process;

        private LiveService(ServiceProcess process, Uri url) => (_process, Url) = (process, url);

        public Uri Url { get; }

        public static async Task<LiveService> StartAsync(SelfSigned? https)
        {
            var url = new Uri($"{(https is null ? "http" : "https")}://127.0.0.1:{Ports.GetFree()}/");
            var environment = https?.Environment(url) ?? new Dictionary<string, string?> { ["ASPNETCORE_URLS"] = url.ToString() };
            var process = ServiceProcess.Start(
                "model-simulator", DotnetHost.Path, [Path.Combine(AppContext.BaseDirectory, "Consilium.ModelSimulator.dll")],
                environment, workingDirectory: AppContext.BaseDirectory);
            using var handler = new HttpClientHandler { ServerCertificateCustomValidationCallback = (_, _, _, _) => true };
            using var http = new HttpClient(handler);
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
            timeout.CancelAfter(TimeSpan.FromSeconds(60));
            if (!await HealthProbe.WaitHealthyAsync(http, url, process, TimeProvider.System, timeout.Token))
            {
                await process.DisposeAsync();
                throw new InvalidOperationException($"The model simulator exited before it was healthy:{Environment.NewLine}{process.Log}");
            }
            return new LiveService(process, url);
        }

        public ValueTask DisposeAsync() => _process.DisposeAsync();
    }

    /// <summary>A listener whose <c>/alive</c> answers 503, as a service's does when a live check fails.</summary>
    private sealed class UnhealthyListener : IAsyncDisposable
    {
        private readonly WebApplication _app;

        private UnhealthyListener(WebApplication app, Uri url) => (_app, Url) = (app, url);

        public Uri Url { get; }

        public static async Task<UnhealthyListener> StartAsync()
        {
            var builder = WebApplication.CreateSlimBuilder();
            var url = new Uri($"http://127.0.0.1:{Ports.GetFree()}/");
            builder.WebHost.UseUrls(url.ToString());
            var app = builder.Build();
            app.Run(context =>
            {
                context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
                return Task.CompletedTask;
            });
            await app.StartAsync(TestContext.Current.CancellationToken);
            return new UnhealthyListener(app, url);
        }

        public async ValueTask DisposeAsync()
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
    }

    /// <summary>A self-signed certificate for 127.0.0.1 written as PEM, and the Kestrel settings that serve it.</summary>
    private sealed record SelfSigned(string CertificatePath, string KeyPath)
    {
        public static SelfSigned Write(string folder, string name)
        {
            using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
            var request = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256);
            var names = new SubjectAlternativeNameBuilder();
            names.AddIpAddress(IPAddress.Loopback);
            request.CertificateExtensions.Add(names.Build());
            using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
            var written = new SelfSigned(Path.Combine(folder, $"{name}.crt"), Path.Combine(folder, $"{name}.key"));
            File.WriteAllText(written.CertificatePath, certificate.ExportCertificatePem());
            File.WriteAllText(written.KeyPath, key.ExportPkcs8PrivateKeyPem());
            return written;
        }

        /// <summary>Kestrel's own certificate settings (the .NET convention every service honours) and an HTTPS-only URL.</summary>
        public Dictionary<string, string?> Environment(Uri url) => new()
        {
            ["ASPNETCORE_URLS"] = url.ToString(),
            ["Kestrel__Certificates__Default__Path"] = CertificatePath,
            ["Kestrel__Certificates__Default__KeyPath"] = KeyPath,
        };
    }

    private sealed class TempFolder : IDisposable
    {
        public string Path { get; } = Directory.CreateTempSubdirectory("consilium-health-").FullName;

        public void Dispose() => Directory.Delete(Path, recursive: true);
    }
}
