using System.Globalization;
using Consilium.Orchestrator.Security.RateLimiting;
using Microsoft.Net.Http.Headers;

namespace Consilium.Orchestrator.Security;

/// <summary>
/// The public API's auth layers, in the contract's order (CONTRACT §3): CORS, then the bearer (or a resume token
/// where the endpoint allows one), then the rate limit, then — for council streams — the open-stream cap. It runs
/// after routing and before the endpoint, so a refused request is answered before a byte of its body is read.
/// It guards every path under <c>/api</c> and every endpoint marked with <c>RequirePublicAuth</c>.
/// </summary>
public sealed partial class PublicSecurityMiddleware(
    RequestDelegate next,
    PublicCors cors,
    BearerSecrets secrets,
    ClientIpResolver clients,
    PublicRateLimiter limiter,
    CouncilStreamSlots streams,
    PublicSecurityOptions options,
    ILogger<PublicSecurityMiddleware> logger)
{
    public const string ResumeQueryParameter = "resume";
    public const string SessionIdRouteValue = "sessionId";

    public async Task InvokeAsync(HttpContext context)
    {
        var endpoint = context.GetEndpoint();
        var auth = endpoint?.Metadata.GetMetadata<PublicAuthMetadata>();
        if (auth is null && !context.Request.Path.StartsWithSegments(PublicSecurityExtensions.ApiPrefix))
        {
            await next(context).ConfigureAwait(false);
            return;
        }
        var request = context.Request;
        var response = context.Response;
        response.Headers.Append(HeaderNames.Vary, HeaderNames.Origin);

        // 1. CORS: a browser page from anywhere else is turned away before anything else happens.
        var origins = request.Headers.Origin;
        if (origins.Count > 0)
        {
            var origin = origins.Count == 1 ? origins[0] : null;
            if (origin is null || !cors.IsAllowed(origin))
            {
                LogOriginRefused(logger, origins.ToString());
                await SecurityProblems.OriginRefused(origins.ToString()).ExecuteAsync(context).ConfigureAwait(false);
                return;
            }
            PublicCors.AllowOrigin(response, origin);
            if (PublicCors.IsPreflight(request))
            {
                PublicCors.WritePreflight(response, origin);
                return;
            }
        }

        // 2. The bearer, or the session's resume token where the endpoint accepts one.
        var check = secrets.Check(request.Headers.Authorization);
        var resumeAllowed = auth?.AllowResumeToken == true;
        if (check != BearerCheck.Authorized && !(resumeAllowed && await HasValidResumeTokenAsync(context).ConfigureAwait(false)))
        {
            LogUnauthorized(logger, check);
            response.Headers.WWWAuthenticate = "Bearer";
            await SecurityProblems.Unauthorized(check, resumeAllowed).ExecuteAsync(context).ConfigureAwait(false);
            return;
        }

        // 3. The rate limit, per client address.
        var address = clients.Resolve(context);
        var client = new PublicClient(address, ClientIpResolver.Bucket(address));
        context.Features.Set(client);
        var decision = await limiter.AcquireAsync(client.Key, context.RequestAborted).ConfigureAwait(false);
        RateLimitHeaders.Write(response, decision, options.RateLimitWindow);
        if (!decision.Admitted)
        {
            LogRateLimited(logger, client.Key, decision.Limit);
            response.Headers.RetryAfter = decision.RetryAfterSeconds.ToString(CultureInfo.InvariantCulture);
            await SecurityProblems.RateLimited(decision.Limit, options.RateLimitWindow, decision.RetryAfterSeconds).ExecuteAsync(context).ConfigureAwait(false);
            return;
        }

        // 4. Council streams: a cap on how many one client holds open, released when the response ends.
        if (endpoint?.Metadata.GetMetadata<CouncilStreamSlotMetadata>() is null)
        {
            await next(context).ConfigureAwait(false);
            return;
        }
        await using var slot = await streams.TryAcquireAsync(client.Key, context.RequestAborted).ConfigureAwait(false);
        if (slot is null)
        {
            LogTooManyStreams(logger, client.Key, streams.Cap);
            response.Headers.RetryAfter = ((int)CouncilStreamSlots.RenewEvery.TotalSeconds).ToString(CultureInfo.InvariantCulture);
            await SecurityProblems.TooManyStreams(streams.Cap).ExecuteAsync(context).ConfigureAwait(false);
            return;
        }
        await next(context).ConfigureAwait(false);
    }

    /// <summary><c>GET ?resume=&lt;token&gt;</c> for the <c>{sessionId}</c> in the route, checked by the council's validator.</summary>
    private static async ValueTask<bool> HasValidResumeTokenAsync(HttpContext context)
    {
        var request = context.Request;
        if (!HttpMethods.IsGet(request.Method) && !HttpMethods.IsHead(request.Method))
        {
            return false;
        }
        var tokens = request.Query[ResumeQueryParameter];
        if (tokens.Count != 1 || string.IsNullOrEmpty(tokens[0]) || tokens[0]!.Length > BearerSecrets.MaxTokenLength
            || context.GetRouteValue(SessionIdRouteValue) is not string sessionId || sessionId.Length == 0)
        {
            return false;
        }
        var validator = context.RequestServices.GetService<IResumeTokenValidator>();
        return validator is not null
            && await validator.IsValidAsync(sessionId, tokens[0]!, context.RequestAborted).ConfigureAwait(false);
    }

    [LoggerMessage(EventId = 4001, Level = LogLevel.Debug, Message = "Refused a request from origin {Origin}")]
    private static partial void LogOriginRefused(ILogger logger, string origin);

    [LoggerMessage(EventId = 4002, Level = LogLevel.Debug, Message = "Refused an unauthenticated request ({Check})")]
    private static partial void LogUnauthorized(ILogger logger, BearerCheck check);

    [LoggerMessage(EventId = 4003, Level = LogLevel.Information, Message = "Client {Client} is over its limit of {Limit} requests per window")]
    private static partial void LogRateLimited(ILogger logger, string client, int limit);

    [LoggerMessage(EventId = 4004, Level = LogLevel.Information, Message = "Client {Client} already holds {Cap} open council streams")]
    private static partial void LogTooManyStreams(ILogger logger, string client, int cap);
}
