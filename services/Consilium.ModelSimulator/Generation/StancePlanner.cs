namespace Consilium.ModelSimulator.Generation;

/// <summary>
/// Decides a seat's position on a question. The position depends only on the question and the seat (not on the model
/// or the exact prompt), so a council answered by several models still disagrees the same way:
/// <c>round(temperament + the question's lean + a per-seat draw)</c>, clamped to −2..2. <c>cross</c> opposes the
/// majority of the other nine seats.
/// </summary>
public static class StancePlanner
{
    private const double SeatSpread = 1.4;
    private const double TopicSpread = 1.6;
    private const string Contrarian = "cross";

    public sealed record Plan(int Position, double Confidence, IReadOnlyDictionary<string, int> Topics);

    public static Plan For(PersonaVoice voice, string question)
    {
        var q = Normalise(question);
        var position = PositionOf(voice, q);
        var confidence = voice.Id == Contrarian
            ? 0.6 + 0.25 * StableHash.Unit(q, voice.Id, "confidence")
            : 0.5 + 0.4 * StableHash.Unit(q, voice.Id, "confidence");
        return new Plan(position, Math.Round(confidence, 2), TopicsOf(voice, q, position));
    }

    private static int PositionOf(PersonaVoice voice, string q)
    {
        if (voice.Id != Contrarian)
        {
            var raw = voice.Bias + Lean(q) + (StableHash.Unit(q, voice.Id, "position") * 2 - 1) * SeatSpread;
            return Math.Clamp((int)Math.Round(raw, MidpointRounding.AwayFromZero), -2, 2);
        }
        var majority = PersonaVoices.Seats.Where(seat => seat.Id != Contrarian).Sum(seat => PositionOf(seat, q));
        return majority switch
        {
            >= 5 => -2,
            > 0 => -1,
            <= -5 => 2,
            < 0 => 1,
            _ => Lean(q) >= 0 ? -1 : 1,
        };
    }

    /// <summary>How the question itself leans, shared by every seat: −1..1.</summary>
    private static double Lean(string q) => StableHash.Unit(q, "lean") * 2 - 1;

    private static SortedDictionary<string, int> TopicsOf(PersonaVoice voice, string q, int position)
    {
        var asked = Topics.In(q).Take(2).ToList();
        if (asked.Count == 0)
        {
            asked.Add(Topics.All[(int)(StableHash.Unit(q, "topic") * Topics.All.Count)]);
        }
        var chosen = asked.Concat(voice.HomeTopics).Distinct().ToList();
        if (voice.Id == Contrarian && !chosen.Contains(Topics.Demand))
        {
            chosen.Add(Topics.Demand);
        }
        while (chosen.Count < 2)
        {
            chosen.Add(Topics.All.First(topic => !chosen.Contains(topic)));
        }

        var topics = new SortedDictionary<string, int>(StringComparer.Ordinal);
        foreach (var topic in chosen.Take(4))
        {
            var draw = StableHash.Unit(q, voice.Id, topic);
            int value;
            if (voice.Id == Contrarian)
            {
                value = (position >= 0 ? 1 : -1) * (draw < 0.4 ? 2 : 1);
            }
            else
            {
                value = Math.Clamp((int)Math.Round(position * 0.7 + (draw * 2 - 1) * TopicSpread, MidpointRounding.AwayFromZero), -2, 2);
                if (value == 0)
                {
                    value = position != 0 ? Math.Sign(position) : (draw < 0.5 ? -1 : 1);
                }
            }
            topics[topic] = value;
        }
        return topics;
    }

    private static string Normalise(string question) =>
        string.Join(' ', question.Split((char[])[' ', '\t', '\r', '\n'], StringSplitOptions.RemoveEmptyEntries)).ToLowerInvariant();
}
