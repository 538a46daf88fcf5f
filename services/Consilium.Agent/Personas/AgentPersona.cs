using Consilium.Agent.Options;
using Microsoft.Extensions.Options;

namespace Consilium.Agent.Personas;

/// <summary>The persona this instance serves (<c>AGENT_ID</c>).</summary>
public sealed class AgentPersona(IOptions<AgentOptions> options)
{
    public string AgentId => options.Value.AgentId;

    /// <summary><c>null</c> when the build did not embed this seat's fingerprint; <c>/health</c> then reports unhealthy.</summary>
    public Persona? Current => PersonaCatalog.Find(AgentId);
}
