namespace Consilium.Orchestrator.Security;

/// <summary>
/// Lets an endpoint marked <c>RequirePublicAuth(allowResumeToken: true)</c> accept <c>?resume=&lt;token&gt;</c> in
/// place of the bearer (docs/api.md#public-api, resume), so a browser's native <c>EventSource</c> can reconnect. The council
/// registers one; without one, such endpoints accept the bearer only.
/// </summary>
public interface IResumeTokenValidator
{
    /// <summary>
    /// Whether <paramref name="resumeToken"/> is the resume token of <paramref name="sessionId"/> (the endpoint's
    /// <c>{sessionId}</c> route value). Compare in constant time; an unknown session is simply <c>false</c>.
    /// </summary>
    ValueTask<bool> IsValidAsync(string sessionId, string resumeToken, CancellationToken cancellationToken);
}
