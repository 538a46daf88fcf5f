using System.Net;

namespace Consilium.Security.Tests.Support;

/// <summary>Client addresses for tests: each test attributes its requests to its own documentation-range address.</summary>
public static class TestClients
{
    /// <summary>A fresh IPv6 client in 2001:db8::/32 (its own /64), so runs sharing a Redis never share a budget.</summary>
    public static IPAddress NewAddress()
    {
        var bytes = new byte[16];
        bytes[0] = 0x20;
        bytes[1] = 0x01;
        bytes[2] = 0x0d;
        bytes[3] = 0xb8;
        Random.Shared.NextBytes(bytes.AsSpan(4, 4));
        bytes[15] = 1;
        return new IPAddress(bytes);
    }

    /// <summary>A request that the trusted gateway attributes to <paramref name="client"/> via <c>X-Forwarded-For</c>.</summary>
    public static HttpRequestMessage Get(string path, IPAddress client)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.TryAddWithoutValidation("X-Forwarded-For", client.ToString());
        return request;
    }
}
