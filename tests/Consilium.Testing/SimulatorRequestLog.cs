using System.Net.Http.Json;
using System.Text.Json;

namespace Consilium.Testing;

/// <summary>The model simulator's log of the requests it saw (<c>GET /sim/requests</c>).</summary>
public static class SimulatorRequestLog
{
    /// <summary>Every logged request, oldest first, through a client of the simulator.</summary>
    public static async Task<IReadOnlyList<JsonElement>> ReadAsync(HttpClient simulator, CancellationToken cancellationToken)
    {
        var log = await simulator.GetFromJsonAsync<JsonElement>("/sim/requests", cancellationToken).ConfigureAwait(false);
        return [.. log.EnumerateArray().Select(entry => entry.Clone())];
    }
}
