using System.Net.Security;
using System.Security.Authentication;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Extensions;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.AspNetCore.Server.Kestrel.Https;
using Microsoft.Extensions.Options;

namespace Consilium.Gateway.Tls;

/// <summary>
/// HTTPS at the edge (docs/https.md). With a certificate configured (<see cref="TlsCertificateFiles"/>) every address
/// the gateway listens on speaks TLS 1.2 or 1.3 only, HTTP/1.1 and HTTP/2 by ALPN, a plaintext request there gets a
/// 400 saying to use https (<see cref="PlaintextRefusal"/>), every HTTPS response carries
/// <c>Strict-Transport-Security</c>, and the certificate is re-read when its files change
/// (<see cref="ReloadingCertificate"/>). <c>CONSILIUM_HTTP_REDIRECT_PORT</c> adds one plain-HTTP port that answers
/// <c>308</c> to the HTTPS address, except the probes <c>/health</c> and <c>/alive</c>, which answer normally.
/// </summary>
public static class GatewayTls
{
    public const string RedirectPortVariable = "CONSILIUM_HTTP_REDIRECT_PORT";

    /// <summary>The framework's name for the public HTTPS port a redirect points at, when it differs from the one listened on.</summary>
    public const string HttpsPortVariable = "HTTPS_PORT";

    public const SslProtocols Protocols = SslProtocols.Tls12 | SslProtocols.Tls13;

    /// <summary>A year, as HSTS preload lists ask.</summary>
    public static readonly TimeSpan HstsMaxAge = TimeSpan.FromDays(365);

    public static IHostApplicationBuilder AddGatewayTls(this IHostApplicationBuilder builder)
    {
        var files = TlsCertificateFiles.Read(builder.Configuration);
        var redirectPort = builder.Configuration.GetInt(RedirectPortVariable, fallback: 0, min: 1, max: 65535);
        var httpsPort = builder.Configuration.GetInt(HttpsPortVariable, fallback: 0, min: 1, max: 65535);
        if (files is null)
        {
            return redirectPort == 0
                ? builder
                : throw new ConfigurationErrorException(
                    $"{RedirectPortVariable} is set but the gateway has no certificate to redirect to: set {TlsCertificateFiles.CertVariable} and {TlsCertificateFiles.KeyVariableName} too.");
        }

        // Read now, so a missing file or a key that does not match stops start-up with one line naming the variable.
        var version = FilesVersion.Of(files);
        LoadedCertificate initial;
        try
        {
            initial = files.Load();
        }
        catch (TlsCertificateException ex)
        {
            throw new ConfigurationErrorException(ex.Message);
        }

        builder.Services.AddSingleton(new TlsSettings(files, redirectPort, httpsPort));
        builder.Services.AddSingleton(services =>
            new ReloadingCertificate(files, initial, version, services.GetRequiredService<ILogger<ReloadingCertificate>>()));
        builder.Services.AddSingleton<IConfigureOptions<KestrelServerOptions>, TlsKestrelSetup>();
        builder.Services.AddHsts(options =>
        {
            options.MaxAge = HstsMaxAge;
            // Browsers ignore HSTS for IP addresses; a developer on https://localhost opted into HTTPS by asking for it.
            options.ExcludedHosts.Clear();
        });
        return builder;
    }

    public static WebApplication UseGatewayTls(this WebApplication app)
    {
        if (app.Services.GetService<TlsSettings>() is not { } settings)
        {
            return app;
        }
        app.UseHsts();
        if (settings.RedirectPort != 0)
        {
            ListenWithRedirectPort(app, settings.RedirectPort);
            var target = new HttpsPort(app, settings.HttpsPort);
            app.Use((context, next) => context.Request.IsHttps || ServiceDefaultsExtensions.IsProbe(context.Request.Path)
                ? next(context)
                : Redirect(context, target.Value));
        }
        return app;
    }

    private static Task Redirect(HttpContext context, int httpsPort)
    {
        var request = context.Request;
        if (!request.Host.HasValue)
        {
            context.Response.StatusCode = StatusCodes.Status400BadRequest;
            return context.Response.WriteAsync(PlaintextRefusal.Message, context.RequestAborted);
        }
        var host = new HostString(request.Host.Host, httpsPort);
        context.Response.StatusCode = StatusCodes.Status308PermanentRedirect;
        context.Response.Headers.Location = UriHelper.BuildAbsolute(Uri.UriSchemeHttps, host, request.PathBase, request.Path, request.QueryString);
        return Task.CompletedTask;
    }

    /// <summary>
    /// The addresses the host would bind (<c>ASPNETCORE_URLS</c>/<c>--urls</c>, else <c>ASPNETCORE_HTTP_PORTS</c> and
    /// <c>ASPNETCORE_HTTPS_PORTS</c>, else Kestrel's default), plus the redirect port on the first one's host. Set on
    /// the server's address list, because an endpoint added in code would make Kestrel ignore the configured URLs.
    /// </summary>
    private static void ListenWithRedirectPort(WebApplication app, int redirectPort)
    {
        var configuration = app.Configuration;
        var urls = configuration["urls"];
        if (string.IsNullOrWhiteSpace(urls))
        {
            urls = string.Join(';',
                Ports(configuration["http_ports"], "http").Concat(Ports(configuration["https_ports"], "https")));
        }
        var addresses = urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).ToList();
        if (addresses.Count == 0)
        {
            addresses.Add("http://localhost:5000");
        }
        if (addresses.Any(address => BindingAddress.Parse(address).Port == redirectPort))
        {
            throw new ConfigurationErrorException(
                $"{RedirectPortVariable} is {redirectPort}, a port the gateway already serves HTTPS on ({string.Join(", ", addresses)}): choose another port.");
        }
        var host = BindingAddress.Parse(addresses[0]).Host;
        app.Urls.Clear();
        foreach (var address in addresses)
        {
            app.Urls.Add(address);
        }
        app.Urls.Add($"http://{host}:{redirectPort}");
    }

    private static IEnumerable<string> Ports(string? ports, string scheme) =>
        (ports ?? "").Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(port => $"{scheme}://*:{port}");

    /// <summary>Where a redirect points: <c>HTTPS_PORT</c>, else the port of the first HTTPS address the server bound.</summary>
    private sealed class HttpsPort(WebApplication app, int configured)
    {
        private int _port = configured;

        public int Value
        {
            get
            {
                if (_port == 0)
                {
                    var addresses = app.Services.GetRequiredService<Microsoft.AspNetCore.Hosting.Server.IServer>()
                        .Features.GetRequiredFeature<IServerAddressesFeature>().Addresses;
                    _port = addresses.Select(address => BindingAddress.Parse(address))
                        .First(address => address.Scheme == Uri.UriSchemeHttps).Port;
                }
                return _port;
            }
        }
    }
}

/// <summary>The gateway's TLS configuration, read once at start-up.</summary>
public sealed record TlsSettings(TlsCertificateFiles Files, int RedirectPort, int HttpsPort);

/// <summary>
/// Every Kestrel endpoint but the redirect port gets the plaintext refusal, then TLS from
/// <see cref="ReloadingCertificate"/>. Kestrel's own configuration still applies (limits, endpoints), without its
/// reload-on-change, which would rebind the endpoint when a certificate file changes.
/// </summary>
public sealed class TlsKestrelSetup(
    TlsSettings settings, ReloadingCertificate certificate, IConfiguration configuration, ILoggerFactory loggers) : IConfigureOptions<KestrelServerOptions>
{
    public void Configure(KestrelServerOptions options)
    {
        options.Configure(configuration.GetSection("Kestrel"), reloadOnChange: false);
        var logger = loggers.CreateLogger(typeof(PlaintextRefusal).FullName!);
        options.ConfigureEndpointDefaults(listen =>
        {
            if (settings.RedirectPort != 0 && listen.IPEndPoint?.Port == settings.RedirectPort)
            {
                listen.Protocols = HttpProtocols.Http1;
                return;
            }
            listen.Protocols = HttpProtocols.Http1AndHttp2;
            listen.Use(next => connection => PlaintextRefusal.OnConnectionAsync(next, connection, logger));
            listen.UseHttps(new TlsHandshakeCallbackOptions
            {
                // Kestrel adds ALPN (h2, http/1.1) to these options itself.
                OnConnection = _ => ValueTask.FromResult(new SslServerAuthenticationOptions
                {
                    ServerCertificateContext = certificate.Context,
                    EnabledSslProtocols = GatewayTls.Protocols,
                }),
                HandshakeTimeout = PlaintextRefusal.FirstByteTimeout,
            });
        });
    }
}
