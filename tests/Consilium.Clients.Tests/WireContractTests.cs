using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Consilium.Council;
using Consilium.Council.Tension;
using Consilium.Orchestrator.Council;
using Consilium.Orchestrator.Stop;
using ServerUsage = Consilium.Streaming.Usage;

namespace Consilium.Clients.Tests;

/// <summary>
/// The client defines its own event records (so it packs without any server assembly): each must read the
/// orchestrator's JSON for its event and write it back unchanged.
/// </summary>
public sealed class WireContractTests
{
    private static readonly ServerUsage Spent = new() { InputTokens = 1200, OutputTokens = 340, CacheCreationInputTokens = 2100, CacheReadInputTokens = 5000 };

    public static TheoryData<string, string> ServerEvents()
    {
        var json = CouncilJson.Events;
        var stance = new Stance(1, 0.7, "Buy, but hedge the rate.", new Dictionary<string, int> { ["financing"] = -1 });
        var map = new TensionMap(
            ["vasquez", "cross"],
            new Dictionary<string, StancePosition> { ["vasquez"] = new(1, 0.7, "Buy."), ["cross"] = new(-2, 0.9, "Do not \"buy\".") },
            [[0, 0.85], [0.85, 0]],
            0.15,
            [["vasquez"], ["cross"]],
            ["cross"],
            ["webb"],
            [new TensionAxis("financing", ["vasquez"], ["cross"], "Whether rates fall.")],
            null);
        return new TheoryData<string, string>
        {
            { CouncilEventNames.Session, JsonSerializer.Serialize(new SessionData("abc", "tok", [new AgentRef("vasquez", "Elena Vasquez", "Capital markets")]), json.SessionData) },
            { CouncilEventNames.AgentStart, JsonSerializer.Serialize(new AgentStartData("vasquez", "claude-sonnet-4-20250514"), json.AgentStartData) },
            { CouncilEventNames.Delta, JsonSerializer.Serialize(new DeltaData("vasquez", "é <stance>\n\"x\"\u0000"), json.DeltaData) },
            { CouncilEventNames.Retry, JsonSerializer.Serialize(new AgentRetryData("vasquez", "claude-sonnet-4-20250514", 529, "claude-haiku-4-5-20251001"), json.AgentRetryData) },
            { CouncilEventNames.AgentDone, JsonSerializer.Serialize(new AgentDoneData("vasquez", "m", stance, Spent, 420, 9000), json.AgentDoneData) },
            { CouncilEventNames.AgentDone, JsonSerializer.Serialize(new AgentDoneData("vasquez", "m", null, Spent, null, 9000), json.AgentDoneData) },
            { CouncilEventNames.AgentError, JsonSerializer.Serialize(new AgentErrorData("cross", "timeout", "No first token in 30 s."), json.AgentErrorData) },
            { CouncilEventNames.SynthesisDelta, JsonSerializer.Serialize(new SynthesisDeltaData("{\"axes\""), json.SynthesisDeltaData) },
            { CouncilEventNames.TensionMap, JsonSerializer.Serialize(map, json.TensionMap) },
            { CouncilEventNames.TensionMap, JsonSerializer.Serialize(map with { Synthesis = "Split on rates." }, json.TensionMap) },
            { CouncilEventNames.Done, JsonSerializer.Serialize(new CouncilDoneData(["vasquez"], ["cross"], Spent, 0.012345m, 0.0135m, 8200), json.CouncilDoneData) },
            { CouncilEventNames.Error, JsonSerializer.Serialize(new Consilium.Streaming.ErrorData("unavailable", "Every agent failed."), json.ErrorData) },
            { CouncilEventNames.Error, JsonSerializer.Serialize(new CancelledData("cancelled", StoppedCouncil.Message, Spent, 0.004m), StopJson.Events.CancelledData) },
        };
    }

    [Theory]
    [MemberData(nameof(ServerEvents))]
    public void ClientRecord_ReadsAndWritesTheServersJson(string eventType, string serverJson)
    {
        var parsed = Client.WireEvents.ParseCouncil(eventType, Encoding.UTF8.GetBytes(serverJson));

        Assert.Equal(eventType, parsed.EventType);
        Assert.IsNotType<Client.UnknownCouncilEvent>(parsed);
        var written = JsonSerializer.Serialize(parsed, parsed.GetType(), Client.ClientJson.Wire);
        Assert.True(JsonNode.DeepEquals(JsonNode.Parse(serverJson), JsonNode.Parse(written)), $"server: {serverJson}\nclient: {written}");
    }
}
