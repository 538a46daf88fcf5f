using Microsoft.Net.Http.Headers;

namespace Consilium.Agent.Security;

/// <summary>
/// The agent is internal: only the orchestrator calls it, server to server. A request with an <c>Origin</c> header comes
/// from a browser and is refused with 403 before anything else; every other request needs this agent's key (401).
/// </summary>
public static class InternalAccessExtensions
{
    public static RouteGroupBuilder RequireInternalAccess(this RouteGroupBuilder group)
    {
        group.AddEndpointFilter(static async (context, next) =>
        {
            var http = context.HttpContext;
            if (http.Request.Headers.ContainsKey(HeaderNames.Origin))
            {
                return TypedResults.Problem(
                    statusCode: StatusCodes.Status403Forbidden,
                    title: "Browser requests are refused",
                    detail: "This agent is internal and only answers its orchestrator; call the public API through the gateway instead.");
            }
            if (!http.RequestServices.GetRequiredService<InternalKey>().IsAuthorized(http.Request.Headers.Authorization))
            {
                http.Response.Headers.WWWAuthenticate = "Bearer";
                return TypedResults.Problem(
                    statusCode: StatusCodes.Status401Unauthorized,
                    title: "Unauthorized",
                    detail: "Send 'Authorization: Bearer <key>' with this agent's INTERNAL_KEY_<AGENTID> (or INTERNAL_KEY when that is unset).");
            }
            return await next(context);
        });
        return group;
    }
}
