using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;

namespace Consilium.ModelSimulator.Tests;

/// <summary>
/// The real simulator on a real Kestrel socket, configured through the same <c>SIM_*</c> settings as in production.
/// </summary>
public class SimulatorHost : WebApplicationFactory<SimulatorApp>
{
    private readonly IReadOnlyDictionary<string, string> _settings;
    private readonly TimeProvider? _time;

    public SimulatorHost(IReadOnlyDictionary<string, string> settings, TimeProvider? time = null)
    {
        _settings = settings;
        _time = time;
        UseKestrel(0);
    }

    /// <summary>Fast answers (5 ms to the first token, 2,000 tokens/s) unless a test's directive says otherwise.</summary>
    public static Dictionary<string, string> Fast() => new()
    {
        ["SIM_TTFT_MS"] = "5",
        ["SIM_TOKENS_PER_SECOND"] = "2000",
    };

    public Uri BaseAddress
    {
        get
        {
            StartServer();
            var addresses = Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses;
            return new Uri(addresses.First().Replace("[::]", "127.0.0.1", StringComparison.Ordinal).TrimEnd('/') + "/");
        }
    }

    /// <summary>
    /// A client over a real socket (not the in-memory test server). Disposing an unfinished response closes the
    /// connection at once (no draining), as a client that goes away does.
    /// </summary>
    public SimulatorClient Connect() => new(new HttpClient(new SocketsHttpHandler { MaxResponseDrainSize = 0 })
    {
        BaseAddress = BaseAddress,
        Timeout = TimeSpan.FromSeconds(30),
    });

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        foreach (var (name, value) in _settings)
        {
            builder.UseSetting(name, value);
        }
        if (_time is not null)
        {
            builder.ConfigureTestServices(services => services.AddSingleton(_time));
        }
    }
}

/// <summary>The default fast simulator, shared by the whole assembly.</summary>
public sealed class FastSimulator() : SimulatorHost(Fast());
