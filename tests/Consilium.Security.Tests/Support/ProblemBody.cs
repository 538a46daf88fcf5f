namespace Consilium.Security.Tests.Support;

/// <summary>An RFC 9457 problem as the API sends it.</summary>
public sealed record ProblemBody(string? Type, string? Title, int? Status, string? Detail);
