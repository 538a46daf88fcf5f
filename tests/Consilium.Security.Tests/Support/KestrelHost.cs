using Consilium.Testing;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Consilium.Security.Tests.Support;

/// <summary>
/// A real service (<typeparamref name="TApp"/>'s assembly) on a real Kestrel socket on 127.0.0.1
/// (<see cref="ServiceHost{TApp}"/>), configured only through its flat variables, with its log lines from Information
/// up captured in <see cref="Logs"/>. Started by <see cref="InitializeAsync"/>.
/// </summary>
public class KestrelHost<TApp>(IReadOnlyDictionary<string, string?> settings, Action<IServiceCollection>? services = null)
    : ServiceHost<TApp>(LoggingInformation(settings), services), IAsyncLifetime where TApp : class
{
    public CapturedLogs Logs { get; } = new();

    public int Port => BaseAddress.Port;

    public ValueTask InitializeAsync()
    {
        StartOnKestrel();
        return ValueTask.CompletedTask;
    }

    /// <summary>A plain client over the socket (no cookies, no redirects, no proxy).</summary>
    public HttpClient CreateSocketClient(TimeSpan? timeout = null) =>
        new(new SocketsHttpHandler { UseCookies = false, AllowAutoRedirect = false, UseProxy = false, PooledConnectionLifetime = TimeSpan.FromSeconds(30) })
        {
            BaseAddress = BaseAddress,
            Timeout = timeout ?? TimeSpan.FromSeconds(30),
        };

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.ConfigureLogging(logging => logging.AddProvider(Logs));
    }

    async ValueTask IAsyncDisposable.DisposeAsync()
    {
        await base.DisposeAsync();
        GC.SuppressFinalize(this);
    }

    /// <summary>The tests read Information events (e.g. Redis recovered), which the shared host leaves out by default.</summary>
    private static Dictionary<string, string?> LoggingInformation(IReadOnlyDictionary<string, string?> settings)
    {
        var withLogging = new Dictionary<string, string?> { ["Logging:LogLevel:Default"] = "Information" };
        foreach (var (key, value) in settings)
        {
            withLogging[key] = value;
        }
        return withLogging;
    }
}
