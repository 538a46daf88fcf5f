using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.Json;
using Consilium.ModelSimulator;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;

[assembly: AssemblyFixture(typeof(Consilium.Agent.Tests.Hosting.SimulatorHost))]

namespace Consilium.Agent.Tests.Hosting;

/// <summary>
/// The real model simulator on a real Kestrel socket, shared by every test in this assembly. It answers fast
/// (5 ms to the first token, 2000 tokens/s) unless a test's directive says otherwise.
/// </summary>
public sealed class SimulatorHost : WebApplicationFactory<SimulatorApp>
{
    public SimulatorHost()
    {
        UseKestrel();
        StartServer();
        var addresses = Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses;
        BaseUrl = new Uri(addresses.First());
        Http = new HttpClient { BaseAddress = BaseUrl };
    }

    public Uri BaseUrl { get; }

    public HttpClient Http { get; }

    /// <summary>Every request the simulator logged (<c>GET /sim/requests</c>), oldest first.</summary>
    public async Task<IReadOnlyList<JsonElement>> GetRequestsAsync(CancellationToken cancellationToken)
    {
        var log = await Http.GetFromJsonAsync<JsonElement>("/sim/requests", cancellationToken);
        return [.. log.EnumerateArray().Select(entry => entry.Clone())];
    }

    /// <summary>
    /// Polls the request log until the latest request for <paramref name="seat"/> that started at or after
    /// <paramref name="since"/> satisfies <paramref name="predicate"/>; fails after <paramref name="within"/> (default 5 s)
    /// showing what the simulator logged. Tests that read the log use a seat no other test uses.
    /// </summary>
    public async Task<JsonElement> WaitForRequestAsync(
        string seat, DateTimeOffset since, Func<JsonElement, bool> predicate, CancellationToken cancellationToken, TimeSpan? within = null)
    {
        var started = TimeProvider.System.GetTimestamp();
        var limit = within ?? TimeSpan.FromSeconds(5);
        JsonElement? seen = null;
        while (true)
        {
            seen = (await GetRequestsAsync(cancellationToken))
                .Where(entry => entry.GetProperty("seat").GetString() == seat && entry.GetProperty("startedAt").GetDateTimeOffset() >= since)
                .Select(entry => (JsonElement?)entry)
                .LastOrDefault();
            if (seen is { } entry && predicate(entry))
            {
                return entry;
            }
            if (TimeProvider.System.GetElapsedTime(started) > limit)
            {
                break;
            }
            await Task.Delay(TimeSpan.FromMilliseconds(20), cancellationToken);
        }
        Assert.Fail(seen is { } last
            ? $"The simulator's latest request for seat '{seat}' did not reach the expected state within {limit.TotalSeconds} s: {last}"
            : $"The simulator logged no request for seat '{seat}' within {limit.TotalSeconds} s.");
        throw new UnreachableException();
    }

    /// <summary>Whether the simulator saw the caller go away before the answer was complete.</summary>
    public static bool IsCancelled(JsonElement entry) => entry.GetProperty("outcome").GetString() == "cancelled";

    /// <summary>
    /// Whether the request is over. A stalled answer (<c>fault=stall</c>) holds the connection open until the caller
    /// closes it, so for a stall this means the caller cancelled.
    /// </summary>
    public static bool IsEnded(JsonElement entry) => entry.GetProperty("endedAt").ValueKind != JsonValueKind.Null;

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        // A free loopback port chosen by the OS. Not UseKestrel(0): that rewrites the server's addresses while a
        // minimal-hosting app may already be starting it, which fails now and then when several hosts start at once.
        builder.UseUrls("http://127.0.0.1:0");
        builder.UseSetting("SIM_TTFT_MS", "5");
        builder.UseSetting("SIM_TOKENS_PER_SECOND", "2000");
        builder.UseSetting("SIM_FAULTS", "");
        builder.UseSetting("SIM_API_KEY", "");
        builder.UseSetting("Logging:LogLevel:Default", "Warning");
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            Http.Dispose();
        }
        base.Dispose(disposing);
    }
}
