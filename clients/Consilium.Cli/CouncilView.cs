using System.Globalization;
using System.Text;
using Consilium.Client;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace Consilium.Cli;

/// <summary>
/// What the terminal shows of a council, built from its events: a row per agent (status, model, time to first
/// token, tokens, the tail of its answer), the synthesis as it streams, then the tension map as a coloured matrix,
/// the axes, the synthesis, and usage and cost. <see cref="Apply"/> takes each event; <see cref="Render"/> draws.
/// </summary>
public sealed class CouncilView(TimeProvider time)
{
    public const int TailLength = 120;

    private readonly List<AgentRow> _agents = [];
    private readonly StringBuilder _synthesis = new();
    // Reset when the session event arrives: the council starts there, which is where the server's ttftMs counts from
    // (the CLI's own start-up and the POST's round trip are not the agents' time to first token).
    private long _startedAt = time.GetTimestamp();

    public string? SessionId { get; private set; }

    public string? ResumeToken { get; private set; }

    public TensionMapEvent? Map { get; private set; }

    public DoneEvent? Done { get; private set; }

    public ErrorEvent? Error { get; private set; }

    /// <summary>A line under the table (e.g. "reconnecting").</summary>
    public string? Notice { get; set; }

    public IReadOnlyList<AgentRow> Agents => _agents;

    public void Apply(CouncilEvent item)
    {
        switch (item)
        {
            case SessionEvent session:
                SessionId = session.SessionId;
                ResumeToken = session.ResumeToken;
                _startedAt = time.GetTimestamp();
                foreach (var seat in session.Agents)
                {
                    _agents.Add(new AgentRow(seat.Id, seat.Name, seat.Domain));
                }
                break;
            case AgentStartEvent start:
                Row(start.Agent).Start(start.Model);
                break;
            case DeltaEvent delta:
                Row(delta.Agent).Append(delta.Text, time.GetElapsedTime(_startedAt));
                break;
            case RetryEvent retry:
                Row(retry.Agent).Retry(retry.NextModel, retry.Status);
                break;
            case AgentDoneEvent done:
                Row(done.Agent).Finish(done);
                break;
            case AgentErrorEvent error:
                Row(error.Agent).Fail(error.Code, error.Message);
                break;
            case SynthesisDeltaEvent synthesis:
                _synthesis.Append(synthesis.Text);
                break;
            case TensionMapEvent map:
                Map = map;
                break;
            case DoneEvent done:
                Done = done;
                Notice = null;
                break;
            case ErrorEvent error:
                Error = error;
                Notice = null;
                break;
        }
    }

    /// <summary>The live part: the agents' table and, while it streams, the synthesis.</summary>
    public IRenderable Render()
    {
        var table = new Table().Border(TableBorder.Rounded).Expand();
        table.AddColumn("Agent");
        table.AddColumn("Status");
        table.AddColumn("Model");
        table.AddColumn(new TableColumn("TTFT").RightAligned());
        table.AddColumn(new TableColumn("Tokens").RightAligned());
        table.AddColumn("Answer");
        foreach (var row in _agents)
        {
            table.AddRow(
                new Markup($"[bold]{Markup.Escape(row.Name)}[/]\n[grey]{Markup.Escape(row.Id)}[/]"),
                new Markup(row.StatusMarkup),
                new Text(row.Model ?? "-"),
                new Text(row.TtftMs is { } ttft ? $"{ttft} ms" : "-"),
                new Text(row.Tokens.ToString(CultureInfo.InvariantCulture)),
                row.Stance is { } stance
                    ? new Markup($"[{PositionColour(stance.Position)}]{stance.Position:+0;-0;0}[/] ({stance.Confidence:0.0}) {Markup.Escape(stance.Summary)}")
                    : new Text(row.Tail));
        }
        var parts = new List<IRenderable> { table };
        if (_synthesis.Length > 0 && Map is null)
        {
            parts.Add(new Panel(new Text(Tail(_synthesis.ToString(), 400))).Header("Synthesis (streaming)").Expand());
        }
        if (Notice is not null)
        {
            parts.Add(new Markup($"[yellow]{Markup.Escape(Notice)}[/]"));
        }
        return new Rows(parts);
    }

    /// <summary>What follows once the council ended: full answers (when asked), the tension map, usage and cost.</summary>
    public IRenderable RenderSummary(bool full)
    {
        var parts = new List<IRenderable>();
        if (full)
        {
            foreach (var row in _agents.Where(r => r.Answer.Length > 0))
            {
                parts.Add(new Panel(new Text(row.Answer)).Header($"{row.Name} ({row.Id})").Expand());
            }
        }
        if (Map is { } map)
        {
            parts.Add(RenderMatrix(map));
            parts.Add(new Markup(
                $"Consensus [bold]{map.Consensus:0.00}[/]"
                + $"   Coalitions {Markup.Escape(string.Join(" | ", map.Coalitions.Select(c => string.Join(", ", c))))}"
                + (map.Outliers.Count > 0 ? $"   Outliers [yellow]{Markup.Escape(string.Join(", ", map.Outliers))}[/]" : "")
                + (map.Missing.Count > 0 ? $"   Missing [red]{Markup.Escape(string.Join(", ", map.Missing))}[/]" : "")));
            if (map.Axes.Count > 0)
            {
                var axes = new Table().Border(TableBorder.Simple).Title("Axes of disagreement");
                axes.AddColumn("Topic");
                axes.AddColumn("For");
                axes.AddColumn("Against");
                axes.AddColumn("Crux");
                foreach (var axis in map.Axes)
                {
                    axes.AddRow(new Text(axis.Topic), new Text(string.Join(", ", axis.For)), new Text(string.Join(", ", axis.Against)), new Text(axis.Crux));
                }
                parts.Add(axes);
            }
            if (map.Synthesis is { } synthesis)
            {
                parts.Add(new Panel(new Text(synthesis)).Header("Synthesis").Expand());
            }
        }
        if (Done is { } done)
        {
            parts.Add(new Markup(
                $"[green]Done[/] in {done.DurationMs / 1000.0:0.0} s: {done.Succeeded.Count} answered, {done.Failed.Count} failed. "
                + $"Tokens {UsageText(done.Usage)}. Cost [bold]${done.CostUsd:0.000000}[/] (cache saved ${done.CacheSavingsUsd:0.000000})."));
        }
        else if (Error is { } error)
        {
            var spent = error.Usage is { } usage ? $" Tokens {UsageText(usage)}. Cost [bold]${error.CostUsd ?? 0:0.000000}[/]." : "";
            parts.Add(new Markup($"[red]{Markup.Escape(error.Code)}[/]: {Markup.Escape(error.Message)}{spent}"));
        }
        return new Rows(parts);
    }

    private static Table RenderMatrix(TensionMapEvent map)
    {
        var table = new Table().Border(TableBorder.Rounded).Title("Tension map (pairwise disagreement 0..1)");
        table.AddColumn("");
        table.AddColumn(new TableColumn("Pos").RightAligned());
        foreach (var id in map.Agents)
        {
            table.AddColumn(new TableColumn(id).Centered());
        }
        for (var i = 0; i < map.Agents.Count; i++)
        {
            var id = map.Agents[i];
            var cells = new List<IRenderable>
            {
                new Markup($"[bold]{Markup.Escape(id)}[/]"),
                new Text(map.Positions.TryGetValue(id, out var p) ? $"{p.Position:+0;-0;0} ({p.Confidence:0.0})" : "-"),
            };
            for (var j = 0; j < map.Agents.Count; j++)
            {
                var value = i < map.Matrix.Count && j < map.Matrix[i].Count ? map.Matrix[i][j] : 0;
                cells.Add(i == j ? new Text("·") : new Markup($"[{Colour(value)}]{value:0.00}[/]"));
            }
            table.AddRow(cells);
        }
        return table;
    }

    /// <summary>For the proposal green, against red, undecided grey.</summary>
    public static string PositionColour(int position) => position switch
    {
        > 0 => "green",
        < 0 => "red",
        _ => "grey",
    };

    /// <summary>Agreement is green, strong disagreement red.</summary>
    public static string Colour(double disagreement) => disagreement switch
    {
        < 0.25 => "green",
        < 0.5 => "yellow",
        < 0.75 => "darkorange",
        _ => "red",
    };

    private static string UsageText(Usage usage) =>
        $"in {usage.InputTokens}, out {usage.OutputTokens}, cache write {usage.CacheCreationInputTokens}, cache read {usage.CacheReadInputTokens}";

    internal static string Tail(string text, int length)
    {
        var flat = text.ReplaceLineEndings(" ");
        return flat.Length <= length ? flat : "…" + flat[^length..];
    }

    private AgentRow Row(string id)
    {
        var row = _agents.Find(r => r.Id == id);
        if (row is null)
        {
            row = new AgentRow(id, id, "");
            _agents.Add(row);
        }
        return row;
    }
}

/// <summary>One agent's line in the live view.</summary>
public sealed class AgentRow(string id, string name, string domain)
{
    private readonly StringBuilder _answer = new();

    public string Id { get; } = id;

    public string Name { get; } = name;

    public string Domain { get; } = domain;

    public string Status { get; private set; } = "waiting";

    public string StatusMarkup => Status switch
    {
        "waiting" => "[grey]waiting[/]",
        "streaming" => "[blue]streaming[/]",
        "done" => "[green]done[/]",
        "retrying" => "[yellow]retrying[/]",
        _ => $"[red]{Markup.Escape(Status)}[/]",
    };

    public string? Model { get; private set; }

    public long? TtftMs { get; private set; }

    /// <summary>Text fragments received while streaming; the output tokens once done.</summary>
    public long Tokens { get; private set; }

    public string Answer => _answer.ToString();

    /// <summary>The end of the answer so far, without the stance block it closes with.</summary>
    public string Tail
    {
        get
        {
            var text = _answer.ToString();
            var stance = text.IndexOf("<stance>", StringComparison.OrdinalIgnoreCase);
            return CouncilView.Tail(stance >= 0 ? text[..stance].TrimEnd() : text, CouncilView.TailLength);
        }
    }

    /// <summary>The stance read from the finished answer, when it had a readable one.</summary>
    public Stance? Stance { get; private set; }

    internal void Start(string model)
    {
        Model = model;
        Status = "streaming";
    }

    internal void Append(string text, TimeSpan sinceStart)
    {
        TtftMs ??= (long)sinceStart.TotalMilliseconds;
        Status = "streaming";
        Tokens++;
        _answer.Append(text);
    }

    internal void Retry(string nextModel, int status)
    {
        Status = "retrying";
        Model = $"{nextModel} (after {status})";
    }

    internal void Finish(AgentDoneEvent done)
    {
        Status = "done";
        Stance = done.Stance;
        Model = done.Model;
        TtftMs = done.TtftMs ?? TtftMs;
        Tokens = done.Usage.OutputTokens;
    }

    internal void Fail(string code, string message)
    {
        Status = code;
        _answer.Append($" [{code}: {message}]");
    }
}
