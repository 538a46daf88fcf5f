using Consilium.Orchestrator.Agents;

namespace Consilium.Orchestrator.Council;

/// <summary>How long a council may run and how long its log is kept (docs/api.md#get-apiconsiliumsessionssessionidevents--resume); read from flat variables.</summary>
public sealed class CouncilOptions
{
    /// <summary><c>COUNCIL_RESUME_GRACE</c>: how long a council keeps running after its last client left, waiting for a resume.</summary>
    public TimeSpan ResumeGrace { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary><c>COUNCIL_RETENTION</c>: how long a finished session's events stay available for resume.</summary>
    public TimeSpan Retention { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary><c>COUNCIL_TIMEOUT</c>: the longest a whole council may run; then every call is cancelled and it ends with <c>error</c>.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary><c>COUNCIL_SYNTHESIS_TIMEOUT</c>: the longest the synthesis call may take; then the map is sent without it.</summary>
    public TimeSpan SynthesisTimeout { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// <c>AGENT_FIRST_TOKEN_TIMEOUT</c>, <c>AGENT_IDLE_TIMEOUT</c>, <c>AGENT_TOTAL_TIMEOUT</c> (the agents' own values, the
    /// same variables): the orchestrator enforces each plus <see cref="AgentDeadlines.Margin"/> on every agent stream.
    /// </summary>
    public AgentDeadlines AgentDeadlines { get; set; } = AgentDeadlines.Default;

    /// <summary>A reader renews the session's presence this often (a third of the grace, at most 5 s).</summary>
    public TimeSpan PresenceInterval => Min(ResumeGrace / 3, TimeSpan.FromSeconds(5));

    /// <summary>The runner checks for readers and renews its lease this often (a quarter of the grace, at most 1 s).</summary>
    public TimeSpan WatchdogInterval => Min(ResumeGrace / 4, TimeSpan.FromSeconds(1));

    public static void Read(CouncilOptions options, IConfiguration configuration)
    {
        options.ResumeGrace = configuration.GetDuration("COUNCIL_RESUME_GRACE", options.ResumeGrace);
        options.Retention = configuration.GetDuration("COUNCIL_RETENTION", options.Retention);
        options.Timeout = configuration.GetDuration("COUNCIL_TIMEOUT", options.Timeout);
        options.SynthesisTimeout = configuration.GetDuration("COUNCIL_SYNTHESIS_TIMEOUT", options.SynthesisTimeout);
        options.AgentDeadlines = AgentDeadlines.Read(configuration, options.AgentDeadlines);
    }

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;
}
