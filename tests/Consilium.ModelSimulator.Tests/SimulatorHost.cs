using Consilium.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Consilium.ModelSimulator.Tests;

/// <summary>
/// The real simulator on a real Kestrel socket (<see cref="ServiceHost{TApp}"/>), configured through the same
/// <c>SIM_*</c> settings as in production; started when the fixture is made. A given <c>time</c> replaces its clock.
/// </summary>
public class SimulatorHost : ServiceHost<SimulatorApp>
{
    public SimulatorHost(IReadOnlyDictionary<string, string> settings, TimeProvider? time = null)
        : base(
            settings.ToDictionary(setting => setting.Key, string? (setting) => setting.Value),
            time is null ? null : services => services.AddSingleton(time))
    {
        try
        {
            StartOnKestrel();
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    /// <summary>Fast answers (5 ms to the first token, 2,000 tokens/s) unless a test's directive says otherwise.</summary>
    public static Dictionary<string, string> Fast() => new()
    {
        ["SIM_TTFT_MS"] = "5",
        ["SIM_TOKENS_PER_SECOND"] = "2000",
    };

    /// <summary>
    /// A client over a real socket (not the in-memory test server). Disposing an unfinished response closes the
    /// connection at once (no draining), as a client that goes away does.
    /// </summary>
    public SimulatorClient Connect() => new(new HttpClient(new SocketsHttpHandler { MaxResponseDrainSize = 0 })
    {
        BaseAddress = BaseAddress,
        Timeout = TimeSpan.FromSeconds(30),
    });
}

/// <summary>The default fast simulator, shared by the whole assembly.</summary>
public sealed class FastSimulator() : SimulatorHost(Fast());
