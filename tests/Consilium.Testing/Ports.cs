using Consilium.Local.Processes;

namespace Consilium.Testing;

public static class Ports
{
    /// <summary>A loopback TCP port that was free a moment ago (the OS picks it).</summary>
    public static int GetFree() => LoopbackPorts.GetFree();
}
