using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Consilium.Agent.Personas;

/// <summary><c>/health</c> is ready only when this seat's fingerprint is loaded.</summary>
public sealed class PersonaHealthCheck(AgentPersona persona) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(persona.Current is { } loaded
            ? HealthCheckResult.Healthy($"Persona '{loaded.Id}' loaded ({loaded.Fingerprint.Length} characters).")
            : HealthCheckResult.Unhealthy($"Persona '{persona.AgentId}' is not embedded: add Personas/{persona.AgentId}.md and rebuild."));
}
