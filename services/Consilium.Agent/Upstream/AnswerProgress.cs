using Consilium.Streaming;

namespace Consilium.Agent.Upstream;

/// <summary>What is known about the answer so far: which model is speaking, its usage, and when text began.</summary>
public sealed class AnswerProgress(TimeProvider time)
{
    private readonly long _startedAt = time.GetTimestamp();

    public string Model { get; private set; } = "";

    public Usage Usage { get; private set; } = Usage.Zero;

    /// <summary>Whether any <c>text_delta</c> reached the client; from then on nothing may switch models.</summary>
    public bool TextForwarded { get; private set; }

    public long? TtftMs { get; private set; }

    public long DurationMs => Milliseconds(time.GetElapsedTime(_startedAt));

    /// <summary>A model's stream opened: its usage starts from zero.</summary>
    public void Begin(string model)
    {
        Model = model;
        Usage = Usage.Zero;
    }

    /// <summary>Reads one upstream event; returns <c>true</c> when it is the answer's first text.</summary>
    public bool Observe(AnthropicStreamEvent streamEvent)
    {
        if (streamEvent.Usage is { } usage)
        {
            Usage = Usage.Update(usage);
        }
        return streamEvent.IsTextDelta && TextSeen();
    }

    /// <summary>A text delta is being forwarded; returns <c>true</c> when it is the answer's first text.</summary>
    public bool TextSeen()
    {
        if (TextForwarded)
        {
            return false;
        }
        TextForwarded = true;
        TtftMs = DurationMs;
        return true;
    }

    private static long Milliseconds(TimeSpan elapsed) => (long)Math.Round(elapsed.TotalMilliseconds);
}
