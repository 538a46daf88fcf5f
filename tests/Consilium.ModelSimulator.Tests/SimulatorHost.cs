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
    private readonly Lock _startGate = new();
    private Uri? _address;

    public SimulatorHost(IReadOnlyDictionary<string, string> settings, TimeProvider? time = null)
    {
        _settings = settings;
        _time = time;
        UseKestrel();
    }

    /// <summary>Fast answers (5 ms to the first token, 2,000 tokens/s) unless a test's directive says otherwise.</summary>
    public static Dictionary<string, string> Fast() => new()
    {
        ["SIM_TTFT_MS"] = "5",
        ["SIM_TOKENS_PER_SECOND"] = "2000",
    };

    /// <summary>Where the server listens; the first use starts it (once, whichever test class gets there first).</summary>
    public Uri BaseAddress
    {
        get
        {
            lock (_startGate)
            {
                if (_address is null)
                {
                    StartServer();
                    var addresses = Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses;
                    _address = new Uri(addresses.First().TrimEnd('/') + "/");
                }
                return _address;
            }
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
        // A free loopback port chosen by the OS. Not UseKestrel(0): that rewrites the server's addresses while the
        // minimal-hosting app may already be starting it, which fails now and then when several hosts start at once.
        builder.UseUrls("http://127.0.0.1:0");
        builder.UseSetting("Logging:LogLevel:Default", "Warning");
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
