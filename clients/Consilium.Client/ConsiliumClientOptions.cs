namespace Consilium.Client;

/// <summary>How a <see cref="ConsiliumClient"/> authenticates and resumes.</summary>
public sealed class ConsiliumClientOptions
{
    /// <summary>The bearer secret (<c>CONSILIUM_SECRET</c>); null sends no <c>Authorization</c> header.</summary>
    public string? Secret { get; init; }

    /// <summary>How many reconnects in a row a dropped council stream gets before <see cref="ConsiliumStreamException"/>.</summary>
    public int MaxResumeAttempts { get; init; } = 5;

    /// <summary>The wait before the first reconnect; it doubles with each failed try, up to <see cref="MaxResumeBackoff"/>.</summary>
    public TimeSpan ResumeBackoff { get; init; } = TimeSpan.FromMilliseconds(200);

    public TimeSpan MaxResumeBackoff { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>Called before each reconnect with the try number (from 1) and what broke the stream.</summary>
    public Action<int, Exception?>? OnReconnecting { get; init; }

    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;
}
