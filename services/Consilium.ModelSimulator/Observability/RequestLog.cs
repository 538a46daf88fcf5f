using System.Text.Json.Serialization;
using Consilium.ModelSimulator.Options;
using Microsoft.Extensions.Options;

namespace Consilium.ModelSimulator.Observability;

/// <summary>The most recent requests (bounded) and running totals, for tests and benchmarks.</summary>
public sealed class RequestLog(TimeProvider time, IOptions<SimulatorOptions> options)
{
    private readonly LinkedList<RequestRecord> _recent = new();
    private readonly Lock _gate = new();
    private long _active;
    private long _total;
    private long _completed;
    private long _cancelled;
    private long _faulted;
    private long _errors;

    /// <summary>A request begins; an <paramref name="unlisted"/> one (the start-up warm-up's) is neither kept nor counted.</summary>
    public RequestRecord Begin(string id, bool unlisted = false)
    {
        var record = new RequestRecord { Id = id, StartedAt = time.GetUtcNow(), Unlisted = unlisted };
        if (unlisted)
        {
            return record;
        }
        Interlocked.Increment(ref _active);
        Interlocked.Increment(ref _total);
        lock (_gate)
        {
            _recent.AddLast(record);
            while (_recent.Count > options.Value.RequestLogSize)
            {
                _recent.RemoveFirst();
            }
        }
        return record;
    }

    public void End(RequestRecord record, string outcome, int status)
    {
        record.Outcome = outcome;
        record.Status = status;
        record.EndedAt = time.GetUtcNow();
        if (record.Unlisted)
        {
            return;
        }
        Interlocked.Decrement(ref _active);
        switch (outcome)
        {
            case Outcomes.Completed: Interlocked.Increment(ref _completed); break;
            case Outcomes.Cancelled: Interlocked.Increment(ref _cancelled); break;
            case Outcomes.Faulted: Interlocked.Increment(ref _faulted); break;
            default: Interlocked.Increment(ref _errors); break;
        }
    }

    /// <summary>Oldest first.</summary>
    public IReadOnlyList<RequestRecord> Recent()
    {
        lock (_gate)
        {
            return [.. _recent];
        }
    }

    public void Clear()
    {
        lock (_gate)
        {
            _recent.Clear();
        }
    }

    public RequestStats Stats() => new(
        Interlocked.Read(ref _active), Interlocked.Read(ref _total), Interlocked.Read(ref _completed),
        Interlocked.Read(ref _cancelled), Interlocked.Read(ref _faulted), Interlocked.Read(ref _errors));
}

public sealed record RequestStats(
    [property: JsonPropertyName("active")] long Active,
    [property: JsonPropertyName("total")] long Total,
    [property: JsonPropertyName("completed")] long Completed,
    [property: JsonPropertyName("cancelled")] long Cancelled,
    [property: JsonPropertyName("faulted")] long Faulted,
    [property: JsonPropertyName("errors")] long Errors);
