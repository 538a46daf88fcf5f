namespace Consilium.Council;

/// <summary>One seat of the council: what the public API shows about an agent.</summary>
public sealed record AgentProfile(string Id, string Name, string Domain, string Summary);
