namespace Consilium.Orchestrator.Http;

/// <summary>How the public API's event streams treat a slow reader (docs/configuration.md).</summary>
public sealed class PublicStreamOptions
{
    /// <summary><c>SSE_WRITE_TIMEOUT</c>'s default: a client that has not taken a write for this long is dropped.</summary>
    public static readonly TimeSpan DefaultWriteTimeout = TimeSpan.FromSeconds(30);

    /// <summary><c>SSE_WRITE_TIMEOUT</c>: a write to the client not accepted after this long ends the stream.</summary>
    public TimeSpan WriteTimeout { get; set; } = DefaultWriteTimeout;

    public static void Read(PublicStreamOptions options, IConfiguration configuration) =>
        options.WriteTimeout = configuration.GetDuration("SSE_WRITE_TIMEOUT", options.WriteTimeout);
}
