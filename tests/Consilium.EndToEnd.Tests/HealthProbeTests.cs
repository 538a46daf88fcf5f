using System.Net;
using System.Net.Sockets;
using Consilium.Local.Processes;
using Consilium.Testing;

namespace Consilium.EndToEnd.Tests;

/// <summary>
/// The launcher's readiness: a 200 on a service's port counts only when the service's own process holds the port.
/// Another process that took the port first answers <c>/health</c> too, and the service then fails to bind.
/// </summary>
public sealed class HealthProbeTests
{
    [Fact]
    public void IsOwnedBy_ThisProcessListening_TrueForItAndFalseForAnother()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        using var other = System.Diagnostics.Process.Start("sleep", "30");
        try
        {
            Assert.True(ListeningSockets.IsOwnedBy(Environment.ProcessId, port));
            Assert.False(ListeningSockets.IsOwnedBy(other.Id, port));
            Assert.False(ListeningSockets.IsOwnedBy(Environment.ProcessId, Ports.GetFree()), "nobody listens on a free port");
        }
        finally
        {
            other.Kill();
            other.WaitForExit();
        }
        Assert.False(ListeningSockets.IsOwnedBy(other.Id, port), "a process that has exited owns nothing");
    }

    [Fact]
    public async Task WaitHealthy_AnotherProcessAnswersOnThePort_IsNotHealthy()
    {
        var cancellationToken = TestContext.Current.CancellationToken;
        var port = Ports.GetFree();
        using var impostor = new HttpListener();
        impostor.Prefixes.Add($"http://127.0.0.1:{port}/");
        impostor.Start();
        var answering = Task.Run(async () =>
        {
            while (impostor.IsListening)
            {
                var context = await impostor.GetContextAsync();
                context.Response.StatusCode = 200;
                context.Response.Close();
            }
        }, cancellationToken);
        using var http = new HttpClient();
        // The "service" that should own the port: a process that never listens and soon ends.
        await using var service = ServiceProcess.Start("not-listening", "sleep", ["2"], new Dictionary<string, string?>());

        using var answer = await http.GetAsync($"http://127.0.0.1:{port}{HealthProbe.Path}", cancellationToken);
        Assert.Equal(HttpStatusCode.OK, answer.StatusCode); // the port does answer /health…
        var healthy = await HealthProbe.WaitHealthyAsync(http, new Uri($"http://127.0.0.1:{port}/"), service, TimeProvider.System, cancellationToken);
        Assert.False(healthy, "…but not from the service's process, so it is not the service's health");

        impostor.Stop();
        await Assert.ThrowsAnyAsync<Exception>(() => answering);
    }

    [Fact]
    public void GetFree_ManyCalls_NeverTheSamePortTwice()
    {
        var ports = Enumerable.Range(0, 500).Select(_ => Ports.GetFree()).ToList();
        Assert.Equal(ports.Count, ports.Distinct().Count());
    }
}
