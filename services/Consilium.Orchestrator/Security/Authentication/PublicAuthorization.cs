using Microsoft.AspNetCore.Authorization;

namespace Consilium.Orchestrator.Security.Authentication;

/// <summary>
/// The public API's authorization policy: authenticated by <see cref="PublicAuthenticationHandler"/>, the default scheme. It is the policy
/// of every endpoint marked <c>RequirePublicAuth()</c> and the fallback policy, so a path under <c>/api</c> that matches
/// no endpoint (a 404 or 405 to be) is refused with the same 401. Authorization runs only in the branch of public API
/// requests (<see cref="PublicSecurityExtensions.UsePublicSecurity"/>), so the fallback binds nothing else.
/// </summary>
public static class PublicAuthorization
{
    public const string PolicyName = "ConsiliumPublic";

    // No scheme named: UseAuthentication already authenticated the request with the default (the public) scheme, so the
    // policy reads HttpContext.User instead of authenticating again, and a refusal is that scheme's challenge.
    public static readonly AuthorizationPolicy Policy = new AuthorizationPolicyBuilder()
        .RequireAuthenticatedUser()
        .Build();
}
