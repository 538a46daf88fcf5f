using System.Text.Json.Serialization.Metadata;

namespace Consilium.Contracts;

/// <summary>A JSON request body that <see cref="JsonBody"/> can read and check.</summary>
public interface IRequestBody<TSelf> where TSelf : class, IRequestBody<TSelf>
{
    /// <summary>What a valid body looks like, for error details, e.g. <c>{"message": "..."}</c>.</summary>
    static abstract string Shape { get; }

    /// <summary>The largest body accepted, in bytes (else 413); a public API body by default.</summary>
    static virtual int MaxBodyBytes => WireLimits.PublicBodyBytes;

    /// <summary>
    /// Source-generated metadata for the body (a Native AOT build has no reflection-based serializer);
    /// <see cref="JsonBody"/> reads with its own options (web names, no duplicate property, 16 levels) on top of it.
    /// </summary>
    static abstract IJsonTypeInfoResolver JsonMetadata { get; }

    /// <summary>Checks the values; returns what is wrong (a detail for a 400) or <c>null</c> when the body is valid.</summary>
    string? Validate();
}
