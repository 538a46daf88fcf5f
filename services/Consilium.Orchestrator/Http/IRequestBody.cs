namespace Consilium.Orchestrator.Http;

/// <summary>A JSON request body that <see cref="JsonBody"/> can read and check.</summary>
public interface IRequestBody<TSelf> where TSelf : class, IRequestBody<TSelf>
{
    /// <summary>What a valid body looks like, for error details, e.g. <c>{"message": "..."}</c>.</summary>
    static abstract string Shape { get; }

    /// <summary>Checks the values; returns what is wrong (a detail for a 400) or <c>null</c> when the body is valid.</summary>
    string? Validate();
}
