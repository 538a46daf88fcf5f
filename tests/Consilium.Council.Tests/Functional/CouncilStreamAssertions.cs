using System.Globalization;
using System.Text.Json;
using Consilium.Testing;

namespace Consilium.Council.Tests.Functional;

/// <summary>Checks every council stream must pass, and readers for its events.</summary>
public static class CouncilStreamAssertions
{
    public static readonly IReadOnlySet<string> EventNames = new HashSet<string>(StringComparer.Ordinal)
    {
        "session", "agent_start", "delta", "retry", "agent_done", "agent_error", "synthesis_delta", "tension_map", "done", "error",
    };

    /// <summary>Ids from <paramref name="first"/> without gaps, every event named in the contract, and one terminal event, last.</summary>
    public static void AssertWellFormed(SseTranscript transcript, long first = 1)
    {
        Assert.NotEmpty(transcript.Events);
        for (var i = 0; i < transcript.Events.Count; i++)
        {
            var item = transcript.Events[i];
            // Messages are built only on failure: a transcript has thousands of events.
            if (!EventNames.Contains(item.EventType))
            {
                Assert.Fail($"Unexpected event '{item.EventType}':\n{transcript}");
            }
            if (item.EventId is null)
            {
                Assert.Fail($"Event {i} ({item.EventType}) has no id:\n{transcript}");
            }
            Assert.Equal(first + i, long.Parse(item.EventId, NumberStyles.None, CultureInfo.InvariantCulture));
            _ = item.Json; // every data is JSON
        }
        if (transcript.Terminal is null)
        {
            Assert.Fail($"The stream did not end with done or error:\n{transcript}");
        }
        Assert.Single(transcript.Events, e => e.IsTerminal);
    }

    public static long Id(TimedSseEvent item) => long.Parse(item.EventId!, NumberStyles.None, CultureInfo.InvariantCulture);

    public static string AgentOf(TimedSseEvent item) => item.Json.GetProperty("agent").GetString()!;

    public static IReadOnlyList<string> Strings(JsonElement array) => [.. array.EnumerateArray().Select(e => e.GetString()!)];

    /// <summary>The text one agent sent, joined from its <c>delta</c> events.</summary>
    public static string TextOf(SseTranscript transcript, string agent) =>
        string.Concat(transcript.OfType("delta").Where(e => AgentOf(e) == agent).Select(e => e.Json.GetProperty("text").GetString()));

    public static void AssertSquareSymmetricZeroDiagonal(JsonElement matrix, int size)
    {
        Assert.Equal(size, matrix.GetArrayLength());
        for (var i = 0; i < size; i++)
        {
            Assert.Equal(size, matrix[i].GetArrayLength());
            Assert.Equal(0, matrix[i][i].GetDouble());
            for (var j = 0; j < size; j++)
            {
                Assert.Equal(matrix[i][j].GetDouble(), matrix[j][i].GetDouble());
                Assert.InRange(matrix[i][j].GetDouble(), 0, 1);
            }
        }
    }
}
