using System.Net;

namespace Consilium.ModelSimulator.Tests;

/// <summary>A simulator with <c>SIM_FAULTS</c> set, as a benchmark or an end-to-end run would start it.</summary>
public sealed class ConfiguredFaultsSimulator() : SimulatorHost(new Dictionary<string, string>(Fast())
{
    ["SIM_FAULTS"] = "[[sim fault=529 model=claude-sonnet-4-20250514 retry-after=2]] [[sim agent=webb fault=error after=2]] "
        + string.Join(' ', FaultChannelTests.Faults.Select(f => $"[[sim agent={f.Seat} {f.Directive}]]")),
});

public sealed class ConfiguredFaultTests(ConfiguredFaultsSimulator simulator) : IClassFixture<ConfiguredFaultsSimulator>
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task PostMessages_SimFaultsForAModel_FailsThatModelOnly()
    {
        using var client = simulator.Connect();
        using var first = await client.PostAsync(Requests.Message(model: "claude-sonnet-4-20250514"), cancellationToken: Cancel);
        var fallback = await client.StreamAsync(Requests.Message(model: "claude-haiku-4-5-20251001"), cancellationToken: Cancel);

        Assert.Equal(529, (int)first.StatusCode);
        Assert.Equal("2", first.Headers.GetValues("retry-after").Single());
        Assert.Equal(HttpStatusCode.OK, fallback.Response.StatusCode);
        Assert.Equal("message_stop", fallback.EventTypes[^1]);
    }

    [Fact]
    public async Task PostMessages_SimFaultsForAnAgent_ErrorsThatSeatsStream()
    {
        using var client = simulator.Connect();
        var webb = await client.StreamAsync(Requests.Message(seat: "webb", model: "claude-haiku-4-5-20251001"), cancellationToken: Cancel);
        var chen = await client.StreamAsync(Requests.Message(seat: "chen", model: "claude-haiku-4-5-20251001"), cancellationToken: Cancel);

        Assert.Equal(2, webb.Deltas.Count);
        Assert.Equal("error", webb.EventTypes[^1]);
        Assert.Equal("message_stop", chen.EventTypes[^1]);
    }

    [Fact]
    public async Task PostMessages_RequestDirective_OverridesSimFaults()
    {
        using var client = simulator.Connect();
        var reply = await client.StreamAsync(
            Requests.Message(Requests.Question + " [[sim agent=webb fault=drop after=1]]", seat: "webb", model: "claude-haiku-4-5-20251001"),
            cancellationToken: Cancel);

        Assert.NotNull(reply.Failure);
        Assert.Single(reply.Deltas);
    }
}
