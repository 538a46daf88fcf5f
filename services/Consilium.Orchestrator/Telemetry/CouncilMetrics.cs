using System.Diagnostics.Metrics;
using Consilium.Telemetry;

namespace Consilium.Orchestrator.Telemetry;

/// <summary>
/// The orchestrator's council instruments on the <c>Consilium</c> meter (docs/observability.md): councils by outcome,
/// council streams and agent calls open now, resume requests, and the cost of every model call in US dollars by
/// model and agent (the synthesis call counts as agent <c>synthesis</c>).
/// </summary>
public sealed class CouncilMetrics
{
    public const string CouncilsName = "consilium.councils";
    public const string OpenCouncilStreamsName = "consilium.council.streams.open";
    public const string OpenAgentCallsName = "consilium.council.agent_streams.open";
    public const string ResumesName = "consilium.council.resumes";

    private static readonly InstrumentAdvice<double> SecondsAdvice = new()
    {
        HistogramBucketBoundaries = [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 30, 60, 120, 180, 300],
    };

    private readonly Counter<long> _councils;
    private readonly Histogram<double> _duration;
    private readonly UpDownCounter<long> _openStreams;
    private readonly UpDownCounter<long> _openAgentCalls;
    private readonly Counter<long> _resumes;
    private readonly Counter<double> _cost;

    public CouncilMetrics(IMeterFactory meters)
    {
        var meter = meters.Create(ServiceDefaultsExtensions.MeterName);
        _councils = meter.CreateCounter<long>(CouncilsName, "{council}", "Councils that ended, by outcome: done, or the error code.");
        _duration = meter.CreateHistogram("consilium.council.duration", "s", "From a council's start to its terminal event, by outcome.", advice: SecondsAdvice);
        _openStreams = meter.CreateUpDownCounter<long>(OpenCouncilStreamsName, "{stream}", "Council event streams (asks and resumes) this replica is sending now.");
        _openAgentCalls = meter.CreateUpDownCounter<long>(OpenAgentCallsName, "{stream}", "Agent answer streams this replica is reading now, by agent.");
        _resumes = meter.CreateCounter<long>(ResumesName, "{request}", "Resume requests (GET …/events), by result: streamed, no_content, not_found, invalid.");
        _cost = meter.CreateCounter<double>(GenAiNames.Cost, "USD", "What the model calls cost at CONSILIUM_PRICING, by model and agent.");
    }

    public void CouncilEnded(string outcome, TimeSpan duration)
    {
        var tag = new KeyValuePair<string, object?>("outcome", outcome);
        _councils.Add(1, tag);
        _duration.Record(duration.TotalSeconds, tag);
    }

    public void StreamOpened(HttpContext context)
    {
        _openStreams.Add(1);
        context.Response.RegisterForDispose(new Closed(_openStreams, default));
    }

    public IDisposable AgentCallOpened(string agent)
    {
        var tag = new KeyValuePair<string, object?>("agent", agent);
        _openAgentCalls.Add(1, tag);
        return new Closed(_openAgentCalls, tag);
    }

    public void Resumed(string result) => _resumes.Add(1, new KeyValuePair<string, object?>("result", result));

    public void Spent(string model, string agent, decimal usd)
    {
        if (usd > 0)
        {
            _cost.Add((double)usd, new KeyValuePair<string, object?>(GenAiNames.RequestModel, model), new KeyValuePair<string, object?>("agent", agent));
        }
    }

    private sealed class Closed(UpDownCounter<long> counter, KeyValuePair<string, object?> tag) : IDisposable
    {
        private int _closed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _closed, 1) == 0)
            {
                if (tag.Key is null)
                {
                    counter.Add(-1);
                }
                else
                {
                    counter.Add(-1, tag);
                }
            }
        }
    }
}
