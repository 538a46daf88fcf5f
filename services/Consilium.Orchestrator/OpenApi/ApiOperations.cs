using Consilium.Council.Tension;
using Consilium.Orchestrator.Agents;
using Consilium.Orchestrator.Council;
using Consilium.Orchestrator.Stop;
using Consilium.Streaming;
using Microsoft.AspNetCore.Mvc;

namespace Consilium.Orchestrator.OpenApi;

/// <summary>
/// What the description says about each <c>/api</c> operation that its handler does not declare itself: the JSON
/// request body (the handlers read it with the shared body reader, so the framework cannot infer it), the problem
/// responses of the auth layers and of validation, and, for the event streams, every event with its data type.
/// Kept here, keyed by method and route, so the API files stay as they are.
/// </summary>
public static class ApiOperations
{
    public const string Json = "application/json";
    public const string Problem = "application/problem+json";

    /// <summary>The events of <c>POST /api/agent/{agentId}</c>: Anthropic's, verbatim, and ours.</summary>
    public static readonly IReadOnlyList<StreamEventDescription> AgentEvents =
    [
        new("message_start", null, "Anthropic: the message begins (model, input usage)."),
        new("content_block_start", null, "Anthropic: a content block begins."),
        new("content_block_delta", null, "Anthropic: a fragment; `delta.type` `text_delta` carries `delta.text`."),
        new("content_block_stop", null, "Anthropic: the block ends."),
        new("message_delta", null, "Anthropic: stop reason and cumulative output usage."),
        new("message_stop", null, "Anthropic: the message ends."),
        new("ping", null, "Anthropic: keep-alive."),
        new(SseNames.Retry, typeof(RetryData), "The agent falls back to the next model of the chain."),
        new(SseNames.Done, typeof(DoneData), "Terminal: the answer is complete."),
        new(SseNames.Error, typeof(ErrorData), "Terminal: `timeout`, `upstream_error`, `unavailable` or `overloaded`."),
    ];

    /// <summary>The events of a council stream (start and resume).</summary>
    public static readonly IReadOnlyList<StreamEventDescription> CouncilEvents =
    [
        new(CouncilEventNames.Session, typeof(SessionData), "First: the session id, its resume token and the seated agents."),
        new(CouncilEventNames.AgentStart, typeof(AgentStartData), "An agent's model stream is established."),
        new(CouncilEventNames.Delta, typeof(DeltaData), "A fragment of one agent's answer, in order per agent."),
        new(CouncilEventNames.Retry, typeof(AgentRetryData), "An agent falls back to the next model."),
        new(CouncilEventNames.AgentDone, typeof(AgentDoneData), "An agent finished (stance null when unreadable)."),
        new(CouncilEventNames.AgentError, typeof(AgentErrorData), "An agent failed; the others go on."),
        new(CouncilEventNames.SynthesisDelta, typeof(SynthesisDeltaData), "A fragment of the synthesis as it is written."),
        new(CouncilEventNames.TensionMap, typeof(TensionMap), "Where the council agrees and disagrees (two or more answered)."),
        new(CouncilEventNames.Done, typeof(CouncilDoneData), "Terminal: the council finished."),
        new(CouncilEventNames.Error, typeof(ErrorData), "Terminal: the council failed (`unavailable`, `timeout`, `cancelled`)."),
        new(CouncilEventNames.Error, typeof(CancelledData), "Terminal: the council was stopped (`cancelled`, with the usage and cost spent)."),
    ];

    /// <summary>Adds the metadata of the operation this endpoint is (an endpoint convention of the <c>/api</c> group).</summary>
    public static void Describe(EndpointBuilder endpoint)
    {
        if (endpoint is not RouteEndpointBuilder route)
        {
            return;
        }
        var method = endpoint.Metadata.OfType<IHttpMethodMetadata>().LastOrDefault()?.HttpMethods.FirstOrDefault();
        var metadata = endpoint.Metadata;
        Problems(metadata, StatusCodes.Status401Unauthorized, StatusCodes.Status403Forbidden, StatusCodes.Status429TooManyRequests);
        switch ((method, route.RoutePattern.RawText))
        {
            case ("GET", "/api/agents"):
                Name(metadata, "ListAgents", "List the agents", "The ten agents in roster order, with their health.");
                metadata.Add(new ProducesResponseTypeMetadata(StatusCodes.Status200OK, typeof(AgentList), [Json]));
                break;
            case ("POST", "/api/agent/{agentId}"):
                Name(metadata, "AskAgent", "Ask one agent", "Streams one agent's answer: its upstream Anthropic Messages events verbatim, plus `retry`, `done` and `error`.");
                Problems(metadata, 400, 404, 413, 415);
                break;
            case ("POST", "/api/consilium"):
                Name(metadata, "AskCouncil", "Ask the council", "Starts a council and streams its events; every event has an `id:`. The `Consilium-Session` header names the session.");
                Problems(metadata, 400, 413, 415, 503);
                break;
            case ("GET", "/api/consilium/sessions/{sessionId}/events"):
                Name(metadata, "ResumeCouncil", "Resume a council stream", "Replays the events after `Last-Event-ID` (header, or `?lastEventId=`), then follows the council live. Authenticated by the bearer or `?resume=<resumeToken>`.");
                metadata.Add(new ProducesResponseTypeMetadata(StatusCodes.Status204NoContent));
                Problems(metadata, 400, 404, 503);
                break;
        }
    }

    /// <summary>
    /// The JSON body an operation reads; null when it reads none. Described by the operation transformer rather than
    /// as the endpoint's <c>AcceptsMetadata</c>, which routing would enforce with a bare 415 of its own before the
    /// shared body reader can answer with the API's problem.
    /// </summary>
    public static Type? BodyOf(string? method, string? relativePath) => (method, relativePath) switch
    {
        ("POST", "api/agent/{agentId}") => typeof(AgentQuestion),
        ("POST", "api/consilium") => typeof(CouncilRequest),
        _ => null,
    };

    /// <summary>The events of the stream an operation answers with; null when it is not an event stream.</summary>
    public static IReadOnlyList<StreamEventDescription>? EventsOf(string? method, string? relativePath) => (method, relativePath) switch
    {
        ("POST", "api/agent/{agentId}") => AgentEvents,
        ("POST", "api/consilium") => CouncilEvents,
        ("GET", "api/consilium/sessions/{sessionId}/events") => CouncilEvents,
        _ => null,
    };

    private static void Name(IList<object> metadata, string name, string summary, string description)
    {
        metadata.Add(new EndpointNameMetadata(name));
        metadata.Add(new EndpointSummaryAttribute(summary));
        metadata.Add(new EndpointDescriptionAttribute(description));
    }

    private static void Problems(IList<object> metadata, params int[] statuses)
    {
        foreach (var status in statuses)
        {
            metadata.Add(new ProducesResponseTypeMetadata(status, typeof(ProblemDetails), [Problem]));
        }
    }
}

/// <summary>One event of an event stream: its name, its data type (null: passed through as the upstream sent it).</summary>
public sealed record StreamEventDescription(string Name, Type? DataType, string Description);
