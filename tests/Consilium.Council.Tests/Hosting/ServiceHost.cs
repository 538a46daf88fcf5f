using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Consilium.Council.Tests.Hosting;

/// <summary>
/// One real service (<typeparamref name="TApp"/>'s assembly) on a real Kestrel socket on the loopback, configured with
/// the flat variables it reads in production. An empty value hides a variable the test machine may have set.
/// </summary>
public sealed class ServiceHost<TApp> : WebApplicationFactory<TApp> where TApp : class
{
    private readonly IReadOnlyDictionary<string, string> _settings;

    private ServiceHost(IReadOnlyDictionary<string, string> settings) => _settings = settings;

    public Uri BaseAddress { get; private set; } = null!;

    public static ServiceHost<TApp> Start(IReadOnlyDictionary<string, string> settings)
    {
        var host = new ServiceHost<TApp>(settings);
        try
        {
            host.UseKestrel();
            host.StartServer();
            var address = host.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First();
            host.BaseAddress = new Uri(address);
            return host;
        }
        catch
        {
            host.Dispose();
            throw;
        }
    }

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        // A free loopback port chosen by the OS, fixed before the app starts.
        builder.UseUrls("http://127.0.0.1:0");
        builder.UseSetting("Logging:LogLevel:Default", "Warning");
        foreach (var (name, value) in _settings)
        {
            builder.UseSetting(name, value);
        }
    }
}
