namespace Consilium.Agent.Tests.Hosting;

/// <summary>One agent with the default settings, shared by the tests of a class that do not change its configuration.</summary>
public sealed class AgentFixture(SimulatorHost simulator) : IDisposable
{
    public AgentHost Agent { get; } = AgentHost.Start(simulator);

    public void Dispose() => Agent.Dispose();
}
