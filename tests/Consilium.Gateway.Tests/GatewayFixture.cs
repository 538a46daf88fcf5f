using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;

[assembly: AssemblyFixture(typeof(Consilium.Gateway.Tests.GatewayFixture))]

namespace Consilium.Gateway.Tests;

/// <summary>The real gateway on Kestrel, proxying to a <see cref="FakeOrchestrator"/>.</summary>
public class GatewayFixture : IAsyncLifetime
{
    /// <summary>The loopback address test clients connect from, so the peer differs from the gateway's own address.</summary>
    public static readonly IPAddress ClientAddress = IPAddress.Parse("127.0.0.2");

    private WebApplicationFactory<GatewayApp>? _factory;

    public FakeOrchestrator Upstream { get; private set; } = null!;

    /// <summary>Further configuration of the gateway under test.</summary>
    protected virtual IReadOnlyDictionary<string, string> Settings { get; } = new Dictionary<string, string>();

    public Uri BaseAddress { get; private set; } = null!;

    public async ValueTask InitializeAsync()
    {
        Upstream = await FakeOrchestrator.StartAsync();
        _factory = new WebApplicationFactory<GatewayApp>().WithWebHostBuilder(builder =>
        {
            builder.UseSetting("ORCHESTRATOR_URLS", Upstream.BaseAddress.AbsoluteUri);
            foreach (var (name, value) in Settings)
            {
                builder.UseSetting(name, value);
            }
        });
        _factory.UseKestrel(options => options.Listen(IPAddress.Loopback, 0));
        _factory.StartServer();
        var address = _factory.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First();
        BaseAddress = new Uri(address);
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
        if (_factory is not null)
        {
            await _factory.DisposeAsync();
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
