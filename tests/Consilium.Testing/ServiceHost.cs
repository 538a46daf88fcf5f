using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Consilium.Testing;

/// <summary>
/// One real service (the assembly of <typeparamref name="TApp"/>, its marker type) on a real Kestrel socket on a free
/// loopback port, configured through the flat variables it reads in production (docs/configuration.md). A null or empty value
/// hides a variable the test machine may have set. The service logs warnings and errors only, unless the settings
/// say otherwise. Derive from it to add what one service's tests need.
/// </summary>
public class ServiceHost<TApp> : WebApplicationFactory<TApp> where TApp : class
{
    private readonly IReadOnlyDictionary<string, string?> _settings;
    private readonly Action<IServiceCollection>? _configureServices;
    private Uri? _baseAddress;
    private HttpClient? _http;

    /// <summary>A service not yet started; <paramref name="configureServices"/> runs after the app's own registrations.</summary>
    protected ServiceHost(IReadOnlyDictionary<string, string?> settings, Action<IServiceCollection>? configureServices = null)
    {
        _settings = settings;
        _configureServices = configureServices;
    }

    /// <summary>Where the service listens, e.g. <c>http://127.0.0.1:41234/</c>.</summary>
    public Uri BaseAddress => _baseAddress ?? throw new InvalidOperationException($"{GetType().Name} has not been started.");

    /// <summary>A client for the service's socket, with no default headers.</summary>
    public HttpClient Http => _http ??= new HttpClient { BaseAddress = BaseAddress };

    /// <summary>Starts the service with these settings; <paramref name="configureServices"/> can replace its services.</summary>
    public static ServiceHost<TApp> Start(IReadOnlyDictionary<string, string?> settings, Action<IServiceCollection>? configureServices = null) =>
        Start(new ServiceHost<TApp>(settings, configureServices));

    /// <summary>Starts <paramref name="host"/> on Kestrel; when that fails, disposes it and rethrows.</summary>
    protected static THost Start<THost>(THost host) where THost : ServiceHost<TApp>
    {
        try
        {
            host.StartOnKestrel();
            return host;
        }
        catch
        {
            host.Dispose();
            throw;
        }
    }

    /// <summary>Starts the server on a real socket and reads the address the OS gave it.</summary>
    protected void StartOnKestrel()
    {
        UseKestrel();
        StartServer();
        _baseAddress = new Uri(Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First());
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        // A free loopback port chosen by the OS, fixed before the app starts. Not UseKestrel(0): that rewrites the
        // server's addresses while a minimal-hosting app may already be starting it, which fails now and then when
        // several hosts start at once.
        builder.UseUrls("http://127.0.0.1:0");
        builder.UseSetting("Logging:LogLevel:Default", "Warning");
        foreach (var (name, value) in _settings)
        {
            builder.UseSetting(name, value);
        }
        if (_configureServices is not null)
        {
            builder.ConfigureServices(_configureServices);
        }
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _http?.Dispose();
        }
        base.Dispose(disposing);
    }
}
