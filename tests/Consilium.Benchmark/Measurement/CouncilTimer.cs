using System.Text.Json;
using Consilium.Streaming;

namespace Consilium.Benchmark.Measurement;

/// <summary>One agent's part of a council stream, in milliseconds since the council request was sent.</summary>
public sealed class CouncilAgentTimes
{
    public double FirstDeltaMs { get; set; } = double.NaN;

    public double LastDeltaMs { get; set; } = double.NaN;

    public double DoneMs { get; set; } = double.NaN;

    public int Deltas { get; set; }

    public string? Error { get; set; }

    public List<double> GapsMs { get; } = new(256);
}

/// <summary>What one council stream did, seen by the client.</summary>
public sealed record CouncilSample(string? Failure, double DoneMs, IReadOnlyDictionary<string, CouncilAgentTimes> Agents)
{
    public bool Succeeded => Failure is null;
}

/// <summary>
/// Sends <c>POST /api/consilium</c> and times every agent inside the merged stream: its first and last <c>delta</c>,
/// the gaps between its consecutive deltas, its <c>agent_done</c>; and the council's terminal <c>done</c>.
/// </summary>
public static class CouncilTimer
{
    public static async Task<CouncilSample> RunAsync(HttpClient http, HttpRequestMessage request, CancellationToken cancellationToken)
    {
        var start = Clock.Now();
        var agents = new Dictionary<string, CouncilAgentTimes>(StringComparer.Ordinal);
        var previous = new Dictionary<string, long>(StringComparer.Ordinal);
        try
        {
            using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
            {
                return new CouncilSample($"HTTP {(int)response.StatusCode}", Clock.MsSince(start), agents);
            }
            await using var body = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
            string? failure = "stream ended without a terminal event";
            double doneMs = double.NaN;
            await foreach (var item in SseReader.ReadAsync(body, cancellationToken).ConfigureAwait(false))
            {
                var now = Clock.Now();
                switch (item.EventType)
                {
                    case "delta":
                        var id = AgentOf(item.Data);
                        var times = For(agents, id);
                        if (times.Deltas++ == 0)
                        {
                            times.FirstDeltaMs = Clock.Ms(start, now);
                        }
                        else
                        {
                            times.GapsMs.Add(Clock.Ms(previous[id], now));
                        }
                        times.LastDeltaMs = Clock.Ms(start, now);
                        previous[id] = now;
                        break;
                    case "agent_done":
                        For(agents, AgentOf(item.Data)).DoneMs = Clock.Ms(start, now);
                        break;
                    case "agent_error":
                        For(agents, AgentOf(item.Data)).Error = item.Data;
                        break;
                    case SseNames.Done when double.IsNaN(doneMs):
                        doneMs = Clock.Ms(start, now);
                        failure = agents.Values.FirstOrDefault(a => a.Error is not null)?.Error is { } error ? "agent_error: " + error : null;
                        break;
                    case SseNames.Error when double.IsNaN(doneMs):
                        doneMs = Clock.Ms(start, now);
                        failure = "error event: " + item.Data;
                        break;
                }
            }
            return new CouncilSample(failure, doneMs, agents);
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException || (ex is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            return new CouncilSample(ex.GetType().Name + ": " + ex.Message, Clock.MsSince(start), agents);
        }
        finally
        {
            request.Dispose();
        }
    }

    private static CouncilAgentTimes For(Dictionary<string, CouncilAgentTimes> agents, string id)
    {
        if (!agents.TryGetValue(id, out var times))
        {
            agents[id] = times = new CouncilAgentTimes();
        }
        return times;
    }

    private static string AgentOf(string data)
    {
        var reader = new Utf8JsonReader(System.Text.Encoding.UTF8.GetBytes(data));
        while (reader.Read())
        {
            if (reader.TokenType == JsonTokenType.PropertyName && reader.CurrentDepth == 1 && reader.ValueTextEquals("agent"))
            {
                reader.Read();
                return reader.GetString() ?? "?";
            }
            if (reader.TokenType is JsonTokenType.StartObject or JsonTokenType.StartArray && reader.CurrentDepth >= 1)
            {
                reader.Skip();
            }
        }
        return "?";
    }
}
