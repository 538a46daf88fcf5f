using System.ComponentModel;
using System.Text;
using System.Text.Json;
using Consilium.Council;
using Consilium.Council.Questions;
using Consilium.Orchestrator.Agents;
using Consilium.Orchestrator.Council;
using Consilium.Orchestrator.Sessions;
using Consilium.Orchestrator.Stop;
using Consilium.Streaming;
using Microsoft.Extensions.Options;
using ModelContextProtocol.Protocol;
using ModelContextProtocol.Server;
using ModelContextProtocol;

namespace Consilium.Orchestrator.Mcp;

/// <summary>The MCP tools: <c>list_agents</c>, <c>ask_agent</c>, <c>ask_council</c>.</summary>
[McpServerToolType]
public sealed class CouncilTools
{
    public const string DetailSummary = "summary";
    public const string DetailFull = "full";

    [McpServerTool(Name = "list_agents", ReadOnly = true, Idempotent = true)]
    [Description("Lists the ten council agents in roster order: id, name, domain, summary and whether each is healthy.")]
    public static CallToolResult ListAgents(AgentHealth health)
    {
        var agents = Roster.All.Select(a => new AgentSummary(a.Id, a.Name, a.Domain, a.Summary, health.IsHealthy(a.Id))).ToArray();
        var text = string.Join("\n", agents.Select(a => $"{a.Id} — {a.Name}, {a.Domain}{(a.Healthy ? "" : " (unhealthy)")}: {a.Summary}"));
        return Result(text, new AgentList(agents), McpJson.Results.AgentList);
    }

    [McpServerTool(Name = "ask_agent", ReadOnly = true)]
    [Description("Asks one agent a question and returns its whole answer (with its stance block) once it is written.")]
    public static async Task<CallToolResult> AskAgentAsync(
        AgentClient agents,
        [Description("The agent's id, e.g. 'vasquez' (list_agents lists them).")] string agent,
        [Description("The question, 1 to 8,000 characters.")] string question,
        CancellationToken cancellationToken)
    {
        if (!Roster.TryGet(agent, out var profile))
        {
            return Invalid($"'agent' is '{agent}', which is not an agent. Agents: {string.Join(", ", Roster.Ids)}.");
        }
        if (QuestionProblem(question) is { } problem)
        {
            return Invalid(problem);
        }
        var answer = new StringBuilder();
        await foreach (var item in agents.StreamAsync(profile.Id, question, sessionId: null, cancellationToken).ConfigureAwait(false))
        {
            switch (item.EventType)
            {
                case SseNames.Done:
                    var done = JsonSerializer.Deserialize(item.Data, CouncilJson.Events.DoneData);
                    var text = answer.ToString();
                    return Result(text, new AgentAnswerResult(profile.Id, done?.Model ?? "", text, Stance.TryParse(text), done?.Usage ?? Usage.Zero, done?.TtftMs, done?.DurationMs ?? 0),
                        McpJson.Results.AgentAnswerResult);
                case SseNames.Error:
                    var error = JsonSerializer.Deserialize(item.Data, CouncilJson.Events.ErrorData);
                    return Failed($"Agent '{profile.Id}' failed ({error?.Code}): {error?.Message}");
                default:
                    if (AnthropicStreamEvent.Parse(item.EventType, item.Data).Text is { } fragment)
                    {
                        answer.Append(fragment);
                    }
                    break;
            }
        }
        return Failed($"Agent '{profile.Id}' ended its stream without an answer.");
    }

    [McpServerTool(Name = "ask_council")]
    [Description("Asks the council (all ten agents, or the ones named) in parallel. Returns each agent's stance summary, the tension map "
        + "(consensus, coalitions, outliers, axes of disagreement with their cruxes) and the synthesis; full answers only with detail 'full'. "
        + "Sends a progress notification as each agent finishes. Takes tens of seconds.")]
    public static async Task<CallToolResult> AskCouncilAsync(
        CouncilSessions sessions,
        ISessionStore store,
        CouncilStops stops,
        IOptions<CouncilOptions> options,
        ILogger<CouncilSessions> logger,
        IProgress<ProgressNotificationValue> progress,
        [Description("The question, 1 to 8,000 characters.")] string question,
        [Description("Agent ids to ask (default: all ten).")] string[]? agents = null,
        [Description("Run the synthesis call (axes and synthesis); default true.")] bool? synthesis = null,
        [Description("'summary' (default): stances only; 'full': every agent's whole answer too.")] string? detail = null,
        CancellationToken cancellationToken = default)
    {
        if (QuestionProblem(question) is { } problem)
        {
            return Invalid(problem);
        }
        if (detail is not (null or DetailSummary or DetailFull))
        {
            return Invalid($"'detail' is '{detail}'; use '{DetailSummary}' (the default) or '{DetailFull}'.");
        }
        var request = new CouncilRequest(question, agents, synthesis);
        if (request.Validate() is { } invalid)
        {
            return Invalid(invalid);
        }

        var session = await sessions.StartAsync(request, cancellationToken).ConfigureAwait(false);
        var report = new CouncilReport(session, detail == DetailFull);
        try
        {
            await foreach (var item in CouncilStream.ReadAsync(store, session.SessionId, 0, options.Value, logger, cancellationToken).ConfigureAwait(false))
            {
                if (report.Apply(item.EventType, item.Data) is { } settled)
                {
                    progress.Report(new ProgressNotificationValue
                    {
                        Progress = report.Settled,
                        Total = session.Agents.Count,
                        Message = settled,
                    });
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The MCP client cancelled the call or went away: the council is stopped, not left running.
            await stops.StopAsync(session.SessionId, TimeSpan.Zero, CancellationToken.None).ConfigureAwait(false);
            throw;
        }
        var result = report.Build();
        var call = Result(report.Text(result), result, McpJson.Results.CouncilResult);
        call.IsError = result.Error is not null;
        return call;
    }

    /// <summary>The shared message rule, naming this tool's argument.</summary>
    private static string? QuestionProblem(string? question) =>
        MessageRules.Validate(question)?.Replace("'message'", "'question'", StringComparison.Ordinal);

    private static CallToolResult Invalid(string message) => Failed($"Invalid input: {message}");

    private static CallToolResult Failed(string message) => new()
    {
        IsError = true,
        Content = [new TextContentBlock { Text = message }],
    };

    private static CallToolResult Result<T>(string text, T value, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> type) => new()
    {
        Content = [new TextContentBlock { Text = text }],
        StructuredContent = JsonSerializer.SerializeToElement(value, type),
    };
}
