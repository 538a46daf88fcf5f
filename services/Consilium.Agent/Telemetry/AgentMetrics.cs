using System.Diagnostics.Metrics;

namespace Consilium.Agent.Telemetry;

/// <summary>The agent's own instruments on the <c>Consilium</c> meter.</summary>
public sealed class AgentMetrics
{
    private readonly Counter<long> _fallbacks;
    private readonly Counter<long> _answers;
    private readonly Histogram<double> _timeToFirstToken;

    public AgentMetrics(IMeterFactory meters)
    {
        var meter = meters.Create(ServiceDefaultsExtensions.MeterName);
        _fallbacks = meter.CreateCounter<long>("consilium.agent.fallbacks", "{fallback}", "Switches to the next model of CONSILIUM_MODELS.");
        _answers = meter.CreateCounter<long>("consilium.agent.answers", "{answer}", "Answers by outcome: done, or the error code.");
        _timeToFirstToken = meter.CreateHistogram<double>("consilium.agent.time_to_first_token", "ms", "From the request to the first text delta.");
    }

    public void Fallback(string agent, string model, int status) =>
        _fallbacks.Add(1, new("agent", agent), new("model", model), new("status", status));

    public void Answered(string agent, string outcome) =>
        _answers.Add(1, new("agent", agent), new("outcome", outcome));

    public void FirstToken(string agent, string model, double milliseconds) =>
        _timeToFirstToken.Record(milliseconds, new("agent", agent), new("model", model));
}
