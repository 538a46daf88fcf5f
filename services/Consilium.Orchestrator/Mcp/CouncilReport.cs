using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using Consilium.Council;
using Consilium.Council.Tension;
using Consilium.Orchestrator.Agents;
using Consilium.Orchestrator.Council;
using Consilium.Orchestrator.Stop;
using Consilium.Streaming;

namespace Consilium.Orchestrator.Mcp;

/// <summary>Folds a council's events (as the session log holds them) into the <c>ask_council</c> result.</summary>
public sealed class CouncilReport(CouncilSession session, bool full)
{
    private readonly Dictionary<string, StringBuilder> _answers = session.Agents.ToDictionary(a => a.Id, _ => new StringBuilder(), StringComparer.Ordinal);
    private readonly Dictionary<string, AgentOutcome> _settled = new(StringComparer.Ordinal);
    private TensionMap? _map;
    private CouncilDoneData? _done;
    private CancelledData? _error;

    public int Settled => _settled.Count;

    /// <summary>Takes one event; returns a progress message when an agent has just settled.</summary>
    public string? Apply(string eventType, string data)
    {
        switch (eventType)
        {
            case CouncilEventNames.Delta when full:
                var delta = JsonSerializer.Deserialize(data, CouncilJson.Events.DeltaData);
                if (delta is not null && _answers.TryGetValue(delta.Agent, out var answer))
                {
                    answer.Append(delta.Text);
                }
                return null;
            case CouncilEventNames.AgentDone:
                var done = JsonSerializer.Deserialize(data, CouncilJson.Events.AgentDoneData)!;
                _settled[done.Agent] = new AgentOutcome(done.Agent, Name(done.Agent), "answered", done.Model,
                    done.Stance is { } s ? new StancePosition(s.Position, s.Confidence, s.Summary) : null, null, null);
                return $"{Name(done.Agent)} answered ({_settled.Count}/{session.Agents.Count})";
            case CouncilEventNames.AgentError:
                var failed = JsonSerializer.Deserialize(data, CouncilJson.Events.AgentErrorData)!;
                _settled[failed.Agent] = new AgentOutcome(failed.Agent, Name(failed.Agent), "failed", null, null, $"{failed.Code}: {failed.Message}", null);
                return $"{Name(failed.Agent)} failed ({_settled.Count}/{session.Agents.Count})";
            case CouncilEventNames.TensionMap:
                _map = JsonSerializer.Deserialize(data, CouncilJson.Events.TensionMap);
                return null;
            case CouncilEventNames.Done:
                _done = JsonSerializer.Deserialize(data, CouncilJson.Events.CouncilDoneData);
                return null;
            case CouncilEventNames.Error:
                // {"code","message"}, plus "usage" and "costUsd" when the council was stopped.
                using (var json = JsonDocument.Parse(data))
                {
                    var root = json.RootElement;
                    _error = new CancelledData(
                        root.GetProperty("code").GetString() ?? "",
                        root.GetProperty("message").GetString() ?? "",
                        root.TryGetProperty("usage", out var usage) ? Usage.From(usage) : Usage.Zero,
                        root.TryGetProperty("costUsd", out var cost) && cost.TryGetDecimal(out var usd) ? usd : 0);
                }
                return null;
            default:
                return null;
        }
    }

    public CouncilResult Build() => new(
        session.SessionId,
        [.. session.Agents.Select(a => _settled.TryGetValue(a.Id, out var outcome)
            ? outcome with { Answer = full && _answers[a.Id].Length > 0 ? _answers[a.Id].ToString() : null }
            : new AgentOutcome(a.Id, a.Name, "cancelled", null, null, null, null))],
        _map is null ? null : new TensionSummary(_map.Consensus, _map.Coalitions, _map.Outliers, _map.Missing, _map.Axes),
        _map?.Synthesis,
        _done?.Usage ?? _error?.Usage ?? Usage.Zero,
        _done?.CostUsd ?? _error?.CostUsd ?? 0,
        _done?.DurationMs,
        _error is null ? null : new ErrorData(_error.Code, _error.Message));

    /// <summary>The result as text for a model to read.</summary>
    public string Text(CouncilResult result)
    {
        var text = new StringBuilder();
        var invariant = CultureInfo.InvariantCulture;
        text.AppendLine("Stances:");
        foreach (var agent in result.Agents)
        {
            text.Append(invariant, $"- {agent.Name} ({agent.Id}): ");
            text.AppendLine(agent.Stance is { } s
                ? string.Create(invariant, $"position {s.Position:+0;-0;0}, confidence {s.Confidence:0.00}. {s.Summary}")
                : agent.Error ?? agent.Status);
        }
        if (result.TensionMap is { } map)
        {
            text.AppendLine(invariant, $"Consensus: {map.Consensus:0.00}");
            text.AppendLine($"Coalitions: {string.Join(" | ", map.Coalitions.Select(c => string.Join(", ", c)))}");
            if (map.Outliers.Count > 0)
            {
                text.AppendLine($"Outliers: {string.Join(", ", map.Outliers)}");
            }
            foreach (var axis in map.Axes)
            {
                text.AppendLine($"Axis '{axis.Topic}': for {string.Join(", ", axis.For)}; against {string.Join(", ", axis.Against)}. Crux: {axis.Crux}");
            }
        }
        if (result.Synthesis is { } synthesis)
        {
            text.AppendLine("Synthesis:").AppendLine(synthesis);
        }
        foreach (var agent in result.Agents.Where(a => a.Answer is not null))
        {
            text.AppendLine().AppendLine($"## {agent.Name} ({agent.Id})").AppendLine(agent.Answer);
        }
        if (result.Error is { } error)
        {
            text.AppendLine($"The council ended with {error.Code}: {error.Message}");
        }
        text.Append(invariant, $"Cost: ${result.CostUsd:0.000000}");
        return text.ToString();
    }

    private string Name(string id) => session.Agents.FirstOrDefault(a => a.Id == id)?.Name ?? id;
}

/// <summary>The structured content of <c>ask_council</c>.</summary>
public sealed record CouncilResult(
    string SessionId,
    IReadOnlyList<AgentOutcome> Agents,
    TensionSummary? TensionMap,
    string? Synthesis,
    Usage Usage,
    decimal CostUsd,
    long? DurationMs,
    ErrorData? Error);

/// <summary>One agent in the result: <c>answered</c> (with its stance), <c>failed</c> or <c>cancelled</c>.</summary>
public sealed record AgentOutcome(string Id, string Name, string Status, string? Model, StancePosition? Stance, string? Error, string? Answer);

/// <summary>The tension map without the matrix and positions (the stances are in the agents).</summary>
public sealed record TensionSummary(
    double Consensus,
    IReadOnlyList<IReadOnlyList<string>> Coalitions,
    IReadOnlyList<string> Outliers,
    IReadOnlyList<string> Missing,
    IReadOnlyList<TensionAxis> Axes);

/// <summary>The structured content of <c>ask_agent</c>.</summary>
public sealed record AgentAnswerResult(string Agent, string Model, string Answer, Stance? Stance, Usage Usage, long? TtftMs, long DurationMs);

[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(CouncilResult))]
[JsonSerializable(typeof(AgentAnswerResult))]
[JsonSerializable(typeof(AgentList))]
public sealed partial class McpJson : JsonSerializerContext
{
    public static McpJson Results { get; } = new(new JsonSerializerOptions(JsonSerializerDefaults.Web)
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    });
}
