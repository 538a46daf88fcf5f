using System.Net;
using System.Net.Sockets;
using Consilium.Testing;

[assembly: AssemblyFixture(typeof(Consilium.Gateway.Tests.GatewayFixture))]

namespace Consilium.Gateway.Tests;

/// <summary>The real gateway on Kestrel, proxying to a <see cref="FakeOrchestrator"/>.</summary>
public class GatewayFixture : IAsyncLifetime
{
    /// <summary>The loopback address test clients connect from, so the peer differs from the gateway's own address.</summary>
    public static readonly IPAddress ClientAddress = IPAddress.Parse("127.0.0.2");

    private ServiceHost<GatewayApp>? _gateway;

    public FakeOrchestrator Upstream { get; private set; } = null!;

    /// <summary>Further configuration of the gateway under test.</summary>
    protected virtual IReadOnlyDictionary<string, string> Settings { get; } = new Dictionary<string, string>();

    public Uri BaseAddress { get; private set; } = null!;

    public async ValueTask InitializeAsync()
    {
        Upstream = await FakeOrchestrator.StartAsync();
        var settings = new Dictionary<string, string?> { ["ORCHESTRATOR_URLS"] = Upstream.BaseAddress.AbsoluteUri };
        foreach (var (name, value) in Settings)
        {
            settings[name] = value;
        }
        _gateway = ServiceHost<GatewayApp>.Start(settings);
        BaseAddress = _gateway.BaseAddress;
    }

    /// <summary>A client whose TCP connections come from <see cref="ClientAddress"/>.</summary>
    public HttpClient CreateClient() => new(new SocketsHttpHandler
    {
        UseProxy = false,
        AllowAutoRedirect = false,
        ConnectCallback = async (context, cancellationToken) =>
        {
            var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                socket.Bind(new IPEndPoint(ClientAddress, 0));
                await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, context.DnsEndPoint.Port), cancellationToken);
                return new NetworkStream(socket, ownsSocket: true);
            }
            catch
            {
                socket.Dispose();
                throw;
            }
        },
    })
    {
        BaseAddress = BaseAddress,
        Timeout = TimeSpan.FromSeconds(30),
    };

    public async ValueTask DisposeAsync()
    {
        GC.SuppressFinalize(this);
        if (_gateway is not null)
        {
            await _gateway.DisposeAsync();
        }
        if (Upstream is not null)
        {
            await Upstream.DisposeAsync();
        }
    }
}

/// <summary>A gateway that knows the test client's address as a Cloudflare edge.</summary>
public sealed class CloudflareGatewayFixture : GatewayFixture
{
    protected override IReadOnlyDictionary<string, string> Settings { get; } =
        new Dictionary<string, string> { ["CLOUDFLARE_IP_RANGES"] = $"{ClientAddress}/32" };
}
