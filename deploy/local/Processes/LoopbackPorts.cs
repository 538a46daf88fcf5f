using System.Net;
using System.Net.Sockets;

namespace Consilium.Local.Processes;

public static class LoopbackPorts
{
    /// <summary>Every port <see cref="GetFree"/> has handed out in this process.</summary>
    private static readonly HashSet<int> HandedOut = [];

    /// <summary>
    /// A loopback TCP port that was free a moment ago (the OS picks it) and that this process has not handed out
    /// before. The OS may pick a port it just released again, so two services of one plan could otherwise be given
    /// the same port, the later one failing to bind while the earlier one answers its health probe.
    /// </summary>
    public static int GetFree()
    {
        while (true)
        {
            using var listener = new TcpListener(IPAddress.Loopback, 0);
            listener.Start();
            var port = ((IPEndPoint)listener.LocalEndpoint).Port;
            lock (HandedOut)
            {
                if (HandedOut.Add(port))
                {
                    return port;
                }
            }
        }
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
