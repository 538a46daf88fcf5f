using Consilium.ModelSimulator.Messages;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Consilium.ModelSimulator.Api;

/// <summary>The Anthropic-compatible Messages API (docs/simulator.md).</summary>
public static class MessagesApi
{
    public static RouteGroupBuilder MapMessagesApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/v1");
        group.MapPost("/messages", CreateMessage);
        return group;
    }

    private static Task<Results<JsonHttpResult<ErrorBody>, JsonHttpResult<MessageBody>, EmptyHttpResult>> CreateMessage(
        HttpContext http, MessageHandler handler) => handler.HandleAsync(http);
}
