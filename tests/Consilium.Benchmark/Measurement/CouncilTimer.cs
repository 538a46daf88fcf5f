using Consilium.Client;

namespace Consilium.Benchmark.Measurement;

/// <summary>One agent's part of a council stream, in milliseconds since the council request was sent.</summary>
public sealed class CouncilAgentTimes
{
    public double FirstDeltaMs { get; set; } = double.NaN;

    public double LastDeltaMs { get; set; } = double.NaN;

    public double DoneMs { get; set; } = double.NaN;

    public int Deltas { get; set; }

    public string? Error { get; set; }

    /// <summary>The <c>usage</c> of its <c>agent_done</c> (every model attempt of the agent).</summary>
    public Usage? Usage { get; set; }

    public List<double> GapsMs { get; } = new(256);
}

/// <summary>What one council stream did, seen by the client (<paramref name="ConversationId"/> from its <c>session</c> event).</summary>
public sealed record CouncilSample(string? Failure, double DoneMs, IReadOnlyDictionary<string, CouncilAgentTimes> Agents, string? ConversationId = null)
{
    public bool Succeeded => Failure is null;
}

/// <summary>
/// Asks the council with <see cref="ConsiliumClient"/> (as an integrator would) and times every agent inside the merged
/// stream: its first and last <c>delta</c>, the gaps between its consecutive deltas, its <c>agent_done</c>; and the
/// council's terminal <c>done</c>. Each event is stamped when the client hands it over. The client is made with
/// <see cref="ConsiliumClientOptions.MaxResumeAttempts"/> 0 (<see cref="Hosting.BenchTopology.Council"/>): a dropped
/// stream is a failure here, not something to resume past.
/// </summary>
public static class CouncilTimer
{
    public static async Task<CouncilSample> RunAsync(ConsiliumClient client, CouncilQuestion question, CancellationToken cancellationToken)
    {
        var start = Clock.Now();
        var agents = new Dictionary<string, CouncilAgentTimes>(StringComparer.Ordinal);
        var previous = new Dictionary<string, long>(StringComparer.Ordinal);
        string? conversationId = null;
        try
        {
            string? failure = "stream ended without a terminal event";
            double doneMs = double.NaN;
            await foreach (var item in client.AskCouncilAsync(question, cancellationToken).ConfigureAwait(false))
            {
                var now = Clock.Now();
                switch (item)
                {
                    case DeltaEvent delta:
                        var times = For(agents, delta.Agent);
                        if (times.Deltas++ == 0)
                        {
                            times.FirstDeltaMs = Clock.Ms(start, now);
                        }
                        else
                        {
                            times.GapsMs.Add(Clock.Ms(previous[delta.Agent], now));
                        }
                        times.LastDeltaMs = Clock.Ms(start, now);
                        previous[delta.Agent] = now;
                        break;
                    case AgentDoneEvent done:
                        var finished = For(agents, done.Agent);
                        finished.DoneMs = Clock.Ms(start, now);
                        finished.Usage = done.Usage;
                        break;
                    case SessionEvent session:
                        conversationId = session.ConversationId;
                        break;
                    case AgentErrorEvent error:
                        For(agents, error.Agent).Error = $"{error.Code}: {error.Message}";
                        break;
                    case DoneEvent:
                        doneMs = Clock.Ms(start, now);
                        failure = agents.Values.FirstOrDefault(a => a.Error is not null)?.Error is { } agentError ? "agent_error: " + agentError : null;
                        break;
                    case ErrorEvent error:
                        doneMs = Clock.Ms(start, now);
                        failure = $"error event: {error.Code}: {error.Message}";
                        break;
                }
            }
            return new CouncilSample(failure, doneMs, agents, conversationId);
        }
        catch (ConsiliumApiException ex)
        {
            return new CouncilSample($"HTTP {(int)ex.Status}", Clock.MsSince(start), agents);
        }
        catch (Exception ex) when (ex is ConsiliumStreamException or HttpRequestException or IOException || (ex is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            return new CouncilSample(ex.GetType().Name + ": " + ex.Message, Clock.MsSince(start), agents);
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
}
