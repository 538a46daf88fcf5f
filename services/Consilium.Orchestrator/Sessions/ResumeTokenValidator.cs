using Consilium.Orchestrator.Security;

namespace Consilium.Orchestrator.Sessions;

/// <summary>Checks <c>?resume=&lt;token&gt;</c> against the one session it was issued for, in constant time.</summary>
public sealed class ResumeTokenValidator(ISessionStore store) : IResumeTokenValidator
{
    public async ValueTask<bool> IsValidAsync(string sessionId, string resumeToken, CancellationToken cancellationToken)
    {
        if (!SessionCredentials.IsWellFormed(sessionId))
        {
            return false;
        }
        var session = await store.GetAsync(sessionId, cancellationToken).ConfigureAwait(false);
        return session is not null && SessionCredentials.Matches(resumeToken, session.ResumeTokenHash);
    }
}
