using StackExchange.Redis;
using Testcontainers.Redis;
using Xunit;

namespace Consilium.Testing;

/// <summary>
/// A real Redis for a test class: <c>REDIS_URL</c> when set; else a Testcontainers Redis when a Docker engine is
/// reachable; else a private <c>redis-server</c> process. Each fixture gets its own key prefix, so fixtures
/// sharing one external Redis do not see each other's keys (pass <see cref="KeyPrefix"/> as <c>REDIS_KEY_PREFIX</c>).
/// </summary>
public sealed class RedisFixture : IAsyncLifetime
{
    private RedisContainer? _container;
    private RedisServer? _server;
    private ConnectionMultiplexer? _multiplexer;

    /// <summary>For the services' <c>REDIS_URL</c>.</summary>
    public string Url { get; private set; } = "";

    /// <summary>A StackExchange.Redis configuration string for direct use in tests.</summary>
    public string ConnectionString { get; private set; } = "";

    public string KeyPrefix { get; } = $"test-{Guid.NewGuid():N}:";

    /// <summary>Where this Redis came from: "REDIS_URL", "testcontainers" or "redis-server".</summary>
    public string Source { get; private set; } = "";

    /// <summary>The private server, when this fixture started one (null for REDIS_URL and containers).</summary>
    public RedisServer? Server => _server;

    public IConnectionMultiplexer Multiplexer => _multiplexer ?? throw new InvalidOperationException("The fixture has not been initialised.");

    public async ValueTask InitializeAsync()
    {
        var configured = Environment.GetEnvironmentVariable("REDIS_URL");
        if (!string.IsNullOrWhiteSpace(configured))
        {
            Url = configured;
            ConnectionString = ToConnectionString(configured);
            Source = "REDIS_URL";
        }
        else if (DockerLooksReachable() && await TryStartContainerAsync().ConfigureAwait(false))
        {
            Source = "testcontainers";
        }
        else
        {
            _server = await RedisServer.StartNewAsync().ConfigureAwait(false);
            Url = _server.Url;
            ConnectionString = _server.ConnectionString;
            Source = "redis-server";
        }
        _multiplexer = await ConnectionMultiplexer.ConnectAsync(ConnectionString + ",abortConnect=false").ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        if (_multiplexer is not null)
        {
            await _multiplexer.DisposeAsync().ConfigureAwait(false);
        }
        if (_container is not null)
        {
            await _container.DisposeAsync().ConfigureAwait(false);
        }
        if (_server is not null)
        {
            await _server.DisposeAsync().ConfigureAwait(false);
        }
    }

    private async Task<bool> TryStartContainerAsync()
    {
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            var container = new RedisBuilder("redis:7-alpine").Build();
            await container.StartAsync(timeout.Token).ConfigureAwait(false);
            _container = container;
            ConnectionString = container.GetConnectionString();
            Url = "redis://" + ConnectionString;
            return true;
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // No usable engine or image (this workplace has no registry): the redis-server fallback follows.
            return false;
        }
    }

    private static bool DockerLooksReachable() =>
        !string.IsNullOrWhiteSpace(Environment.GetEnvironmentVariable("DOCKER_HOST")) || File.Exists("/var/run/docker.sock");

    /// <summary>redis://[:password@]host:port[/db] → host:port,password=…,defaultDatabase=…; other forms pass through.</summary>
    public static string ToConnectionString(string url)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || (uri.Scheme != "redis" && uri.Scheme != "rediss"))
        {
            return url;
        }
        var parts = new List<string> { $"{uri.Host}:{(uri.Port > 0 ? uri.Port : 6379)}" };
        if (uri.UserInfo.Length > 0)
        {
            var separator = uri.UserInfo.IndexOf(':', StringComparison.Ordinal);
            if (separator > 0)
            {
                parts.Add("user=" + Uri.UnescapeDataString(uri.UserInfo[..separator]));
            }
            parts.Add("password=" + Uri.UnescapeDataString(separator >= 0 ? uri.UserInfo[(separator + 1)..] : uri.UserInfo));
        }
        if (int.TryParse(uri.AbsolutePath.Trim('/'), out var database))
        {
            parts.Add("defaultDatabase=" + database);
        }
        if (uri.Scheme == "rediss")
        {
            parts.Add("ssl=true");
        }
        return string.Join(',', parts);
    }
}
