using Consilium.Contracts;
using Consilium.Council;
using Consilium.Orchestrator.Http;
using Consilium.Streaming;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Consilium.Orchestrator.Agents;

/// <summary><c>GET /api/agents</c> and <c>POST /api/agent/{agentId}</c> (docs/api.md#public-api).</summary>
public static class AgentsApi
{
    public static RouteGroupBuilder MapAgentsApi(this RouteGroupBuilder api)
    {
        api.MapGet("/agents", ListAgents);
        api.MapPost("/agent/{agentId}", AskAgentAsync);
        return api;
    }

    public static Ok<AgentList> ListAgents(AgentHealth health) =>
        TypedResults.Ok(new AgentList(
            [.. Roster.All.Select(agent => new AgentSummary(agent.Id, agent.Name, agent.Domain, agent.Summary, health.IsHealthy(agent.Id)))]));

    /// <summary>
    /// A pure passthrough of one agent's stream: every event forwarded as it arrives, its data the bytes the agent sent,
    /// ending with its <c>done</c> or <c>error</c>.
    /// </summary>
    public static async Task<Results<ServerSentEventsResult<byte[]>, ProblemHttpResult>> AskAgentAsync(
        string agentId,
        HttpContext context,
        AgentClient agents,
        SseStreamOptions streamOptions,
        IHostApplicationLifetime lifetime,
        ILogger<AgentClient> logger)
    {
        if (!Roster.TryGet(agentId, out var agent))
        {
            return Problems.NotFound("Unknown agent", $"There is no agent '{agentId}'. Agents: {string.Join(", ", Roster.Ids)} (GET /api/agents lists them).");
        }
        var body = await JsonBody.ReadAsync<AgentQuestion>(context.Request, context.RequestAborted);
        if (!body.TryGetValue(out var question, out var problem))
        {
            return problem;
        }
        return EventStreamRelay.RelayUtf8(
            context,
            cancellationToken => agents.StreamUtf8Async(agent.Id, question.Message!, sessionId: null, cancellationToken)
                .EndOnShutdown(static () => StreamEvents.Utf8(StreamEvents.Error(ShuttingDown.Code, ShuttingDown.Message)), lifetime.ApplicationStopping, cancellationToken),
            streamOptions,
            logger);
    }
}

public sealed record AgentList(IReadOnlyList<AgentSummary> Agents);

public sealed record AgentSummary(string Id, string Name, string Domain, string Summary, bool Healthy);
