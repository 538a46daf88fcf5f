using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Configuration;

namespace Consilium.ServiceDefaults;

/// <summary>
/// <c>&lt;service binary&gt; --health-check</c>: a health check for images without a shell or curl (the chiseled runtime).
/// It asks the service running beside it for <c>/alive</c> on the address that service listens on, read from the same
/// configuration (<c>Kestrel:Endpoints</c>, <c>ASPNETCORE_URLS</c>/<c>--urls</c>, <c>ASPNETCORE_HTTP_PORTS</c>/
/// <c>ASPNETCORE_HTTPS_PORTS</c>, else Kestrel's default <c>http://localhost:5000</c>), and exits 0 when it answers 2xx,
/// 1 otherwise with one line on standard error saying why (docs/deploy.md "Health checks").
/// </summary>
public static class HealthCheckCommand
{
    public const string Argument = "--health-check";

    /// <summary>The gateway's certificate chain (PEM); set, it turns every listener of the gateway into HTTPS.</summary>
    public const string TlsCertificateVariable = "CONSILIUM_TLS_CERT";

    /// <summary>Shorter than any probe timeout the deployments set (compose 5 s), so a slow answer is reported, not killed.</summary>
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(4);

    /// <summary>
    /// When this process was started with <see cref="Argument"/>: probes and exits with the result, before the service
    /// builds anything else (no listener, no hosted service, no configuration validation of its own).
    /// </summary>
    /// <remarks>
    /// Called from <c>AddServiceDefaults</c>, the one call every service makes with its full configuration in hand, so
    /// the four Program.cs files need no code of their own. The command line is read from the process (not the
    /// builder's arguments), which also keeps a test host's own arguments out of it.
    /// </remarks>
    public static void ExitIfRequested(IConfiguration configuration)
    {
        var arguments = Environment.GetCommandLineArgs().Skip(1).ToList();
        if (!arguments.Remove(Argument))
        {
            return;
        }
        // The host's command-line reader took the word after the flag as its value (`--health-check --urls X` loses
        // the URLs): read the rest of the command line again without the flag, over the configuration.
        var effective = new ConfigurationBuilder().AddConfiguration(configuration).AddCommandLine([.. arguments]).Build();
        Environment.Exit(Run(effective, Console.Out, Console.Error));
    }

    /// <summary>Probes the service's <c>/alive</c>; 0 when healthy, 1 with one line on <paramref name="error"/> when not.</summary>
    public static int Run(IConfiguration configuration, TextWriter output, TextWriter error)
    {
        Uri alive;
        try
        {
            alive = new Uri(ProbeTarget.Resolve(configuration), ServiceDefaultsExtensions.AlivePath);
        }
        catch (ConfigurationErrorException ex)
        {
            error.WriteLine($"unhealthy: {ex.Message}");
            return 1;
        }

        var expected = ServiceCertificate.Load(configuration);
        using var handler = new SocketsHttpHandler
        {
            ConnectTimeout = Timeout,
            UseProxy = false,
            SslOptions = new SslClientAuthenticationOptions
            {
                // The probe connects to the loopback address, never to the name on the certificate: it accepts a chain
                // that validates, or exactly the certificate the service is configured to serve (ServiceCertificate).
                RemoteCertificateValidationCallback = (_, certificate, _, errors) =>
                    errors == SslPolicyErrors.None || (certificate is not null && expected.Accepts(certificate)),
            },
        };
        using var client = new HttpClient(handler) { Timeout = Timeout };
        try
        {
            using var response = client.GetAsync(alive, HttpCompletionOption.ResponseHeadersRead).GetAwaiter().GetResult();
            if (response.IsSuccessStatusCode)
            {
                output.WriteLine($"healthy: GET {alive} answered {(int)response.StatusCode}.");
                return 0;
            }
            error.WriteLine($"unhealthy: GET {alive} answered {(int)response.StatusCode} {response.ReasonPhrase}.");
        }
        catch (HttpRequestException ex)
        {
            error.WriteLine($"unhealthy: GET {alive} failed: {Reason(ex, expected)}");
        }
        catch (TaskCanceledException)
        {
            error.WriteLine($"unhealthy: GET {alive} did not answer within {Timeout.TotalSeconds:0} s.");
        }
        return 1;
    }

    private static string Reason(HttpRequestException ex, ServiceCertificate expected) =>
        ex.HttpRequestError == HttpRequestError.SecureConnectionError
            ? $"the TLS handshake failed ({Innermost(ex).Message}); the probe accepts a valid chain or {expected.Description}."
            : Innermost(ex).Message;

    private static Exception Innermost(Exception ex)
    {
        while (ex.InnerException is not null)
        {
            ex = ex.InnerException;
        }
        return ex;
    }

    /// <summary>Where the service listens, as Kestrel reads it from configuration, turned into an address to dial.</summary>
    internal static class ProbeTarget
    {
        private const string DefaultUrl = "http://localhost:5000";

        public static Uri Resolve(IConfiguration configuration)
        {
            var (source, urls) = Listeners(configuration);
            var parsed = urls.Select(url => Parse(source, url)).ToList();
            if (!string.IsNullOrWhiteSpace(configuration[TlsCertificateVariable]))
            {
                // With a certificate from CONSILIUM_TLS_CERT every address the gateway listens on speaks TLS,
                // http:// ones included (docs/https.md).
                parsed = [.. parsed.Select(url => new UriBuilder(url) { Scheme = Uri.UriSchemeHttps, Port = url.Port }.Uri)];
            }
            // Plain HTTP when the service has it (cheapest, no certificate involved); else its HTTPS listener.
            return parsed.FirstOrDefault(url => url.Scheme == Uri.UriSchemeHttp)
                ?? parsed.FirstOrDefault()
                ?? throw new ConfigurationErrorException($"{source} names no address to listen on.");
        }

        /// <summary>Kestrel's own precedence: its endpoints section, then URLs, then ports, then its default.</summary>
        private static (string Source, IReadOnlyList<string> Urls) Listeners(IConfiguration configuration)
        {
            var endpoints = configuration.GetSection("Kestrel:Endpoints").GetChildren()
                .Select(endpoint => endpoint["Url"])
                .OfType<string>()
                .Where(url => url.Length > 0)
                .ToList();
            if (endpoints.Count > 0)
            {
                return ("Kestrel:Endpoints", endpoints);
            }
            if (Split(configuration["urls"]) is { Count: > 0 } urls)
            {
                return ("ASPNETCORE_URLS (or --urls)", urls);
            }
            var ports = Split(configuration["http_ports"]).Select(port => $"http://*:{port}")
                .Concat(Split(configuration["https_ports"]).Select(port => $"https://*:{port}"))
                .ToList();
            return ports.Count > 0 ? ("ASPNETCORE_HTTP_PORTS/ASPNETCORE_HTTPS_PORTS", ports) : ("Kestrel's default", [DefaultUrl]);
        }

        private static List<string> Split(string? value) =>
            [.. (value ?? "").Split([';', ','], StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)];

        /// <summary>A listen address (<c>http://+:8080</c>, <c>https://0.0.0.0:8443</c>) as the URL to dial on this host.</summary>
        private static Uri Parse(string source, string url)
        {
            // Kestrel's wildcards are not valid host names; a wildcard listener is reached on loopback.
            var normalised = System.Text.RegularExpressions.Regex.Replace(url, @"^(?<scheme>https?)://(\+|\*)(?=[:/]|$)", "${scheme}://127.0.0.1");
            if (!Uri.TryCreate(normalised, UriKind.Absolute, out var parsed) || (parsed.Scheme != Uri.UriSchemeHttp && parsed.Scheme != Uri.UriSchemeHttps))
            {
                throw new ConfigurationErrorException($"{source} has '{url}', which is not an http:// or https:// listen address.");
            }
            if (parsed.Port == 0)
            {
                throw new ConfigurationErrorException($"{source} has '{url}': port 0 is picked at start-up, so there is no fixed address to probe.");
            }
            var host = parsed.Host switch
            {
                "0.0.0.0" => "127.0.0.1",
                "[::]" or "::" => "[::1]",
                _ => parsed.Host,
            };
            return new UriBuilder(parsed.Scheme, host, parsed.Port).Uri;
        }
    }

    /// <summary>The certificate the service is configured to serve, read as the service reads it; none when it uses a store.</summary>
    internal sealed class ServiceCertificate
    {
        private readonly IReadOnlyList<(string Source, byte[] Hash)> _certificates;

        private ServiceCertificate(IReadOnlyList<(string Source, byte[] Hash)> certificates) => _certificates = certificates;

        public string Description => _certificates.Count == 0
            ? "no certificate configured by file (CONSILIUM_TLS_CERT, Kestrel:Certificates:Default:Path)"
            : "the certificate in " + string.Join(" or ", _certificates.Select(certificate => certificate.Source));

        /// <summary>
        /// The presented certificate is the configured one; with none configured by file (a certificate store, the
        /// development certificate), whatever the loopback listener presents: only this host's own service is there.
        /// </summary>
        public bool Accepts(X509Certificate presented)
        {
            if (_certificates.Count == 0)
            {
                return true;
            }
            var hash = presented.GetCertHash(System.Security.Cryptography.HashAlgorithmName.SHA256);
            return _certificates.Any(certificate => certificate.Hash.AsSpan().SequenceEqual(hash));
        }

        public static ServiceCertificate Load(IConfiguration configuration)
        {
            var files = new List<(string Source, string? Path, string? Password)>
            {
                (TlsCertificateVariable, configuration[TlsCertificateVariable], null),
                ("Kestrel:Certificates:Default:Path", configuration["Kestrel:Certificates:Default:Path"], configuration["Kestrel:Certificates:Default:Password"]),
            };
            files.AddRange(configuration.GetSection("Kestrel:Endpoints").GetChildren()
                .Select(endpoint => ($"Kestrel:Endpoints:{endpoint.Key}:Certificate:Path", endpoint["Certificate:Path"], endpoint["Certificate:Password"])));

            var certificates = new List<(string, byte[])>();
            foreach (var (source, path, password) in files.Where(file => !string.IsNullOrWhiteSpace(file.Path)))
            {
                try
                {
                    using var certificate = Read(path!, password);
                    certificates.Add(($"{source} ({path})", certificate.GetCertHash(System.Security.Cryptography.HashAlgorithmName.SHA256)));
                }
                catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or System.Security.Cryptography.CryptographicException)
                {
                    // The service could not serve it either; the handshake then fails and says so.
                }
            }
            return new ServiceCertificate(certificates);
        }

        /// <summary>The first (leaf) certificate of a PEM file, or a PKCS#12 file's certificate.</summary>
        private static X509Certificate2 Read(string path, string? password) =>
            path.EndsWith(".pfx", StringComparison.OrdinalIgnoreCase) || path.EndsWith(".p12", StringComparison.OrdinalIgnoreCase)
                ? X509CertificateLoader.LoadPkcs12FromFile(path, password)
                : X509Certificate2.CreateFromPem(File.ReadAllText(path));
    }
}
