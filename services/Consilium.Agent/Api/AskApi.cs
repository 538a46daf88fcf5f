using System.Net.ServerSentEvents;
using System.Threading.Channels;
using Consilium.Agent.Personas;
using Consilium.Agent.Security;
using Consilium.Agent.Upstream;
using Consilium.Contracts;
using Consilium.Streaming;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Consilium.Agent.Api;

/// <summary><c>POST /v1/ask</c>: one question, answered as the stream format of <c>/api/agent/{id}</c> (docs/api.md#public-api, docs/api.md#agent-service-internal).</summary>
public static class AskApi
{
    public static RouteGroupBuilder MapAskApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/v1").RequireInternalAccess();
        group.MapPost("/ask", AskAsync);
        return group;
    }

    public static async Task<Results<ServerSentEventsResult<byte[]>, ProblemHttpResult>> AskAsync(
        HttpContext context, AgentPersona persona, ModelFallbackChain chain, TimeProvider time)
    {
        var body = await JsonBody.ReadAsync<AskRequest>(context.Request, context.RequestAborted);
        if (!body.TryGetValue(out var ask, out var problem))
        {
            return problem;
        }
        if (persona.Current is not { } current)
        {
            return TypedResults.Problem(
                statusCode: StatusCodes.Status503ServiceUnavailable,
                title: "Persona not loaded",
                detail: $"This build has no fingerprint for '{persona.AgentId}' (Personas/{persona.AgentId}.md); rebuild the agent with it.");
        }
        return TypedResults.ServerSentEvents(StreamAsync(current, ask, chain, context, time));
    }

    /// <summary>
    /// The chain writes into a channel as upstream events arrive; the response drains it with heartbeats, a flush
    /// whenever it is empty, and a terminal event guaranteed. Leaving early (the client went away, or a write failed)
    /// cancels the chain and with it the upstream call.
    /// </summary>
    /// <remarks>The events are the model's UTF-8 bytes, which <c>TypedResults.ServerSentEvents</c> writes as they are.</remarks>
    internal static async IAsyncEnumerable<SseItem<byte[]>> StreamAsync(
        Persona persona, AskRequest ask, ModelFallbackChain chain, HttpContext context, TimeProvider time)
    {
        var channel = Channel.CreateUnbounded<SseItem<byte[]>>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted);
        var producer = chain.RunAsync(persona, ask, channel.Writer, stop.Token);
        try
        {
            var options = new SseStreamOptions { TimeProvider = time };
            Func<SseItem<byte[]>>? missingTerminal = options.MissingTerminal is { } missing ? () => StreamEvents.Utf8(missing()) : null;
            await foreach (var item in SseEventStream.ReadAllAsync(channel.Reader, context.Response.Body, options, missingTerminal, context.RequestAborted))
            {
                yield return item;
            }
        }
        finally
        {
            await stop.CancelAsync();
            await producer;
        }
    }
}
