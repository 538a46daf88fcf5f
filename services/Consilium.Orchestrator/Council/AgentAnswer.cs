using System.Text;
using System.Text.Json;
using Consilium.Council;
using Consilium.Council.Pricing;
using Consilium.Streaming;

namespace Consilium.Orchestrator.Council;

/// <summary>
/// What one agent has said so far: its text (for the stance block), which model is speaking, and usage per model
/// attempt — Anthropic reports input and cache tokens in <c>message_start</c> and running totals in
/// <c>message_delta</c>, merged here field by field; a fallback to the next model starts a new attempt, and every
/// attempt counts towards usage and cost (each at its own model's price).
/// </summary>
public sealed class AgentAnswer(AgentProfile agent, long councilStartedAt, TimeProvider time)
{
    private readonly StringBuilder _text = new();
    private readonly List<(string Model, Usage Usage)> _attempts = [];
    private string _model = "";
    private Usage _usage = Usage.Zero;
    private long? _ttftMs;

    public AgentProfile Agent => agent;

    /// <summary>Everything the agent has said so far.</summary>
    public string Text => _text.ToString();

    public string Model => _model;

    /// <summary>Milliseconds from the council's start to this agent's first text.</summary>
    public long? TtftMs => _ttftMs;

    public long ElapsedMs => (long)Math.Round(time.GetElapsedTime(councilStartedAt).TotalMilliseconds);

    /// <summary>A model's stream opened (<c>message_start</c>).</summary>
    public void Begin(string? model, JsonElement? usage)
    {
        Close();
        _model = model ?? _model;
        _usage = usage is { } u ? Usage.From(u) : Usage.Zero;
    }

    public void Observe(JsonElement usage) => _usage = _usage.Update(usage);

    public void Append(string text)
    {
        _ttftMs ??= ElapsedMs;
        _text.Append(text);
    }

    /// <summary>The stance block at the end of the answer, or <c>null</c>.</summary>
    public Stance? ReadStance() => Stance.TryParse(_text.ToString());

    /// <summary>Usage summed over every attempt.</summary>
    public Usage TotalUsage()
    {
        Close();
        return _attempts.Aggregate(Usage.Zero, (sum, attempt) => sum + attempt.Usage);
    }

    public Cost Cost(PricingTable pricing)
    {
        Close();
        return _attempts.Aggregate(default(Cost), (sum, attempt) => sum + pricing.Price(attempt.Model, attempt.Usage));
    }

    public void SetModel(string? model)
    {
        if (!string.IsNullOrEmpty(model))
        {
            _model = model;
        }
    }

    /// <summary>Files the open attempt's usage, if any.</summary>
    private void Close()
    {
        if (_usage != Usage.Zero)
        {
            _attempts.Add((_model, _usage));
        }
        _usage = Usage.Zero;
    }
}
