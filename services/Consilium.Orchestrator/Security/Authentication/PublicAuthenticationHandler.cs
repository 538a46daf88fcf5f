using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace Consilium.Orchestrator.Security.Authentication;

/// <summary>
/// The public API's authentication scheme (docs/api.md#public-api, layer 2): <c>Authorization: Bearer &lt;secret&gt;</c>
/// checked against <c>CONSILIUM_SECRET</c> (<see cref="BearerSecrets"/>), or — on an endpoint marked
/// <c>RequirePublicAuth(allowResumeToken: true)</c> — the session's <c>?resume=&lt;token&gt;</c>. A request it
/// authenticates is attributed to its client (<see cref="PublicClient"/>, what limits are counted against). Its
/// challenge is the contract's 401: <c>WWW-Authenticate: Bearer</c> and a problem saying what was wrong.
/// </summary>
/// <remarks>
/// Requests outside the public API are not its business (<see cref="AuthenticateResult.NoResult"/>). The principal
/// carries no per-request data, so the two successful results are built once and shared.
/// </remarks>
public sealed partial class PublicAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory loggerFactory,
    UrlEncoder encoder,
    BearerSecrets secrets,
    ClientIpResolver clients,
    IResumeTokenValidator? resumeTokens = null)
    : AuthenticationHandler<AuthenticationSchemeOptions>(options, loggerFactory, encoder)
{
    public const string SchemeName = "ConsiliumPublic";

    /// <summary>How the request was authenticated (the <see cref="ClaimsIdentity.AuthenticationType"/>).</summary>
    public const string ByBearer = "Bearer";
    public const string ByResumeToken = "ResumeToken";

    public const string ResumeQueryParameter = "resume";
    public const string SessionIdRouteValue = "sessionId";

    private static readonly Task<AuthenticateResult> NoResult = Task.FromResult(AuthenticateResult.NoResult());
    private static readonly Task<AuthenticateResult> Bearer = Succeeded(ByBearer);
    private static readonly Task<AuthenticateResult> ResumeToken = Succeeded(ByResumeToken);

    private BearerCheck? _check;

    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        if (!PublicSecurityExtensions.IsPublicApi(Context, out var endpoint))
        {
            return NoResult;
        }
        var check = secrets.Check(Request.Headers.Authorization);
        _check = check;
        if (check == BearerCheck.Authorized)
        {
            Attribute();
            return Bearer;
        }
        return endpoint?.AllowResumeToken == true ? AuthenticateByResumeTokenAsync() : NoResult;
    }

    private async Task<AuthenticateResult> AuthenticateByResumeTokenAsync()
    {
        if (!await HasValidResumeTokenAsync().ConfigureAwait(false))
        {
            return await NoResult.ConfigureAwait(false);
        }
        Attribute();
        return await ResumeToken.ConfigureAwait(false);
    }

    /// <summary>The contract's 401 (the challenge of the policy on every public endpoint).</summary>
    protected override Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        var check = _check ?? secrets.Check(Request.Headers.Authorization);
        PublicSecurityExtensions.IsPublicApi(Context, out var endpoint);
        LogUnauthorized(Logger, check);
        Response.Headers.WWWAuthenticate = ByBearer;
        return SecurityProblems.Unauthorized(check, endpoint?.AllowResumeToken == true).ExecuteAsync(Context);
    }

    /// <summary>Sets the <see cref="PublicClient"/> feature: who the authenticated request is counted against.</summary>
    private void Attribute()
    {
        var address = clients.Resolve(Context);
        Context.Features.Set(new PublicClient(address, ClientIpResolver.Bucket(address)));
    }

    /// <summary>
    /// <c>GET ?resume=&lt;token&gt;</c> (read the session) or <c>DELETE ?resume=&lt;token&gt;</c> (stop it) for the
    /// <c>{sessionId}</c> in the route, checked by the council's validator.
    /// </summary>
    private async ValueTask<bool> HasValidResumeTokenAsync()
    {
        if (resumeTokens is null
            || (!HttpMethods.IsGet(Request.Method) && !HttpMethods.IsHead(Request.Method) && !HttpMethods.IsDelete(Request.Method)))
        {
            return false;
        }
        var tokens = Request.Query[ResumeQueryParameter];
        if (tokens.Count != 1 || string.IsNullOrEmpty(tokens[0]) || tokens[0]!.Length > BearerSecrets.MaxTokenLength
            || Context.GetRouteValue(SessionIdRouteValue) is not string sessionId || sessionId.Length == 0)
        {
            return false;
        }
        return await resumeTokens.IsValidAsync(sessionId, tokens[0]!, Context.RequestAborted).ConfigureAwait(false);
    }

    private static Task<AuthenticateResult> Succeeded(string by) =>
        Task.FromResult(AuthenticateResult.Success(
            new AuthenticationTicket(new ClaimsPrincipal(new ClaimsIdentity(by)), SchemeName)));

    [LoggerMessage(EventId = 4002, Level = LogLevel.Debug, Message = "Refused an unauthenticated request ({Check})")]
    private static partial void LogUnauthorized(ILogger logger, BearerCheck check);
}
