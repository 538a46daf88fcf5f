using System.Text.RegularExpressions;
using Consilium.Agent.Personas;
using Consilium.Council;

namespace Consilium.Agent.Tests.Personas;

/// <summary>Each seat's fingerprint is embedded and is at least 2,000 tokens of its own (docs/api.md#conventions).</summary>
public sealed partial class PersonaCatalogTests
{
    private const int MinTokens = 2000;

    public static TheoryData<string> Seats => new(Roster.Ids);

    [Theory]
    [MemberData(nameof(Seats))]
    public void Find_EverySeat_LoadsAFingerprintNamingItsSeat(string id)
    {
        var persona = PersonaCatalog.Find(id);

        Assert.True(persona is not null, $"No fingerprint is embedded for '{id}': add services/Consilium.Agent/Personas/{id}.md.");
        Assert.Contains($"Council seat: {id}", persona.Fingerprint, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Seats))]
    public void Find_EverySeat_FingerprintIsAtLeast2000Tokens(string id)
    {
        var fingerprint = PersonaCatalog.Find(id)?.Fingerprint ?? "";

        var byCharacters = fingerprint.Length / 4.0;
        var byWords = Words().Count(fingerprint) * 1.3;

        Assert.True(byCharacters >= MinTokens, $"'{id}' is about {byCharacters:0} tokens by characters/4; it needs {MinTokens}.");
        Assert.True(byWords >= MinTokens, $"'{id}' is about {byWords:0} tokens by words×1.3; it needs {MinTokens}.");
    }

    [Fact]
    public void Ids_OnlyRosterSeatsAreEmbedded()
    {
        Assert.All(PersonaCatalog.Ids, id => Assert.Contains(id, Roster.Ids));
    }

    [Fact]
    public void SystemPrompt_AnyPersona_EndsWithTheStanceInstruction()
    {
        var persona = new Persona("vasquez", "Council seat: vasquez\n\nHow I reason.\n\n");

        Assert.StartsWith(persona.Fingerprint.TrimEnd(), persona.SystemPrompt, StringComparison.Ordinal);
        Assert.EndsWith(StanceInstruction.Text, persona.SystemPrompt, StringComparison.Ordinal);
    }

    [Fact]
    public void StanceInstruction_ItsExample_ParsesAsAStance()
    {
        var example = StanceInstruction.Text.Split('\n').Single(line => line.StartsWith(Stance.OpenTag, StringComparison.Ordinal));

        var stance = Stance.TryParse(example);

        Assert.NotNull(stance);
        Assert.Equal(1, stance.Position);
    }

    [GeneratedRegex(@"\S+")]
    private static partial Regex Words();
}
