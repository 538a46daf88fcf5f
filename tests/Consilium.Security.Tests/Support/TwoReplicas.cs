using Consilium.Testing;

namespace Consilium.Security.Tests.Support;

/// <summary>Two orchestrator replicas sharing one real Redis, as behind a gateway that balances over both.</summary>
public sealed class TwoReplicas : IAsyncLifetime
{
    public RedisFixture Redis { get; } = new();

    public OrchestratorHost A { get; private set; } = null!;

    public OrchestratorHost B { get; private set; } = null!;

    public async ValueTask InitializeAsync()
    {
        await Redis.InitializeAsync();
        A = new OrchestratorHost(OrchestratorHost.WithRedis(Redis.Url, Redis.KeyPrefix));
        B = new OrchestratorHost(OrchestratorHost.WithRedis(Redis.Url, Redis.KeyPrefix));
        await A.InitializeAsync();
        await B.InitializeAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await ((IAsyncDisposable)A).DisposeAsync();
        await ((IAsyncDisposable)B).DisposeAsync();
        await Redis.DisposeAsync();
    }
}
