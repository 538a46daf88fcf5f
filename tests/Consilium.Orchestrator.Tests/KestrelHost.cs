using System.Net;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Consilium.Orchestrator.Tests;

/// <summary>One real service (<typeparamref name="TApp"/>'s assembly) on a real Kestrel socket on the loopback.</summary>
public sealed class KestrelHost<TApp> : IAsyncDisposable where TApp : class
{
    private readonly WebApplicationFactory<TApp> _factory;

    private KestrelHost(WebApplicationFactory<TApp> factory, Uri baseAddress)
    {
        _factory = factory;
        BaseAddress = baseAddress;
    }

    public Uri BaseAddress { get; }

    public IServiceProvider Services => _factory.Services;

    /// <summary>
    /// Starts the service with these settings (the flat variables of CONTRACT §2, as the environment would give them).
    /// An empty value hides a variable the test machine may have set.
    /// </summary>
    public static KestrelHost<TApp> Start(
        IReadOnlyDictionary<string, string> settings,
        Action<IServiceCollection>? configureServices = null)
    {
        var factory = new WebApplicationFactory<TApp>().WithWebHostBuilder(builder =>
        {
            foreach (var (key, value) in settings)
            {
                builder.UseSetting(key, value);
            }
            if (configureServices is not null)
            {
                builder.ConfigureServices(configureServices);
            }
        });
        factory.UseKestrel(options => options.Listen(IPAddress.Loopback, 0));
        factory.StartServer();
        var address = factory.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First();
        return new KestrelHost<TApp>(factory, new Uri(address));
    }

    public ValueTask DisposeAsync() => _factory.DisposeAsync();
}
