using Consilium.Testing;

[assembly: CollectionBehavior(DisableTestParallelization = true)] // each collection starts 13 processes; one at a time

namespace Consilium.EndToEnd.Tests;

/// <summary>One running system (simulator, ten agents, orchestrator, gateway as processes) shared by the classes of <see cref="SystemCollection"/>.</summary>
public sealed class SystemFixture : IAsyncLifetime
{
    private ProcessTopology? _topology;

    public ProcessTopology Topology => _topology ?? throw new InvalidOperationException("The system has not been started.");

    public async ValueTask InitializeAsync()
    {
        var time = TimeProvider.System;
        var start = time.GetTimestamp();
        _topology = await ProcessTopology.StartAsync(cancellationToken: TestContext.Current.CancellationToken);
        TestContext.Current.SendDiagnosticMessage($"13 services healthy after {time.GetElapsedTime(start).TotalSeconds:0.0} s");
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
    public const string Name = "system";
}
