using System.Net;

namespace Consilium.Orchestrator.Security;

/// <summary>
/// The client a public request was attributed to (see <see cref="ClientIpResolver"/>), set by the public
/// authentication (<c>PublicAuthenticationHandler</c>) once the request is authenticated. <see cref="Key"/> is what limits are counted against.
/// </summary>
public sealed record PublicClient(IPAddress Address, string Key);

public static class PublicClientExtensions
{
    /// <summary>The authenticated public client, or <c>null</c> when the request was not authenticated as public API.</summary>
    public static PublicClient? GetPublicClient(this HttpContext context) => context.Features.Get<PublicClient>();
}
