using Consilium.Client;
using Consilium.Testing;

[assembly: CollectionBehavior(DisableTestParallelization = true)] // each topology is 13 processes; one at a time

namespace Consilium.Clients.Tests;

/// <summary>
/// The whole system as processes, with a simulator slow enough (150 tokens/s) that a council lasts a few seconds: long
/// enough to cut its connection, or stop it, while it runs.
/// </summary>
public sealed class SystemFixture : IAsyncLifetime
{
    public const string TokensPerSecond = "150";

    private ProcessTopology? _topology;

    public ProcessTopology Topology => _topology ?? throw new InvalidOperationException("The system has not been started.");

    public async ValueTask InitializeAsync() =>
        _topology = await ProcessTopology.StartAsync(
            new Dictionary<string, string?> { ["SIM_TOKENS_PER_SECOND"] = TokensPerSecond },
            TestContext.Current.CancellationToken);

    /// <summary>A client of the gateway (or of <paramref name="baseAddress"/>) with the bearer secret.</summary>
    public (HttpClient Http, ConsiliumClient Client) CreateClient(Uri? baseAddress = null, ConsiliumClientOptions? options = null, bool authenticated = true)
    {
        var http = ProcessTopology.CreateClient(baseAddress ?? Topology.GatewayUrl);
        var client = new ConsiliumClient(http, new ConsiliumClientOptions
        {
            Secret = authenticated ? Topology.Secret : null,
            MaxResumeAttempts = options?.MaxResumeAttempts ?? 5,
            ResumeBackoff = options?.ResumeBackoff ?? TimeSpan.FromMilliseconds(100),
            OnReconnecting = options?.OnReconnecting,
        });
        return (http, client);
    }

    public async ValueTask DisposeAsync()
    {
        if (_topology is not null)
        {
            await _topology.DisposeAsync();
        }
    }
}

[CollectionDefinition(Name)]
public sealed class SystemCollection : ICollectionFixture<SystemFixture>
{
    public const string Name = "clients-system";
}
