using System.Net;
using System.Net.Sockets;

namespace Consilium.Local.Processes;

public static class LoopbackPorts
{
    /// <summary>A loopback TCP port that was free a moment ago (the OS picks it).</summary>
    public static int GetFree()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>Whether something could listen on <paramref name="port"/> on the loopback address right now.</summary>
    public static bool IsFree(int port)
    {
        try
        {
            using var listener = new TcpListener(IPAddress.Loopback, port);
            listener.Start();
            return true;
        }
        catch (SocketException)
        {
            return false;
        }
    }
}
