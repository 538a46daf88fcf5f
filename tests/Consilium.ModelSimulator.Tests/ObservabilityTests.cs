using System.Net;
using System.Net.Http.Json;
using Consilium.ModelSimulator.Observability;
using Consilium.Streaming;

namespace Consilium.ModelSimulator.Tests;

/// <summary>A simulator of its own, so clearing the log and counting totals cannot disturb other tests.</summary>
public sealed class ObservedSimulator() : SimulatorHost(SimulatorHost.Fast());

public sealed class ObservabilityTests(ObservedSimulator simulator) : IClassFixture<ObservedSimulator>
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task GetRequests_AfterAStream_DescribesIt()
    {
        using var client = simulator.Connect();
        var reply = await client.StreamAsync(Requests.Message(seat: "harlow"), cancellationToken: Cancel);

        var record = await client.WaitForEndAsync(reply.RequestId, Cancel);
        Assert.Equal(Requests.Model, record.Model);
        Assert.Equal("harlow", record.Seat);
        Assert.True(record.Stream);
        Assert.Equal(SimulatorClient.Version, record.AnthropicVersion);
        Assert.True(record.CacheControl);
        Assert.Equal((Outcomes.Completed, 200), (record.Outcome, record.Status));
        Assert.Equal(reply.Deltas.Count, record.Deltas);
        Assert.True(record.EndedAt >= record.StartedAt);
    }

    [Fact]
    public async Task GetRequests_ClientCancels_RecordedAsCancelledPromptly()
    {
        using var client = simulator.Connect();
        using var leave = CancellationTokenSource.CreateLinkedTokenSource(Cancel);
        using var response = await client.PostAsync(Requests.Message(Requests.Question + " [[sim ttft=0 rate=10]]"), cancellationToken: leave.Token);
        var requestId = response.Headers.GetValues("request-id").Single();
        await using (var body = await response.Content.ReadAsStreamAsync(leave.Token))
        {
            var deltas = 0;
            await foreach (var item in SseReader.ReadAsync(body, leave.Token))
            {
                if (item.EventType == "content_block_delta" && ++deltas == 2)
                {
                    break;
                }
            }
            await leave.CancelAsync();
        }

        var record = await client.WaitForEndAsync(requestId, Cancel);
        Assert.Equal(Outcomes.Cancelled, record.Outcome);
        Assert.InRange(record.Deltas, 2, 6);
        Assert.True(record.EndedAt - record.StartedAt < TimeSpan.FromSeconds(2), "the stream stopped when the client left");
    }

    [Fact]
    public async Task Stats_CountOutcomes_AndDeleteClearsTheLog()
    {
        using var client = simulator.Connect();
        var before = await client.Http.GetFromJsonAsync<RequestStats>("sim/stats", Cancel);
        await client.StreamAsync(Requests.Message(), cancellationToken: Cancel);
        await client.StreamAsync(Requests.Message(Requests.Question + " [[sim fault=error]]"), cancellationToken: Cancel);
        using (await client.PostAsync(Requests.Message(), version: false, cancellationToken: Cancel))
        {
        }

        var deadline = DateTimeOffset.UtcNow + TimeSpan.FromSeconds(5);
        RequestStats? after;
        do
        {
            after = await client.Http.GetFromJsonAsync<RequestStats>("sim/stats", Cancel);
        }
        while (after!.Active > 0 && DateTimeOffset.UtcNow < deadline);

        Assert.Equal(before!.Total + 3, after.Total);
        Assert.Equal(before.Completed + 1, after.Completed);
        Assert.Equal(before.Faulted + 1, after.Faulted);
        Assert.Equal(before.Errors + 1, after.Errors);

        using var cleared = await client.Http.DeleteAsync("sim/requests", Cancel);
        Assert.Equal(HttpStatusCode.NoContent, cleared.StatusCode);
        Assert.Empty(await client.RequestsAsync(Cancel));
    }

    [Theory]
    [InlineData("health")]
    [InlineData("alive")]
    public async Task Probes_Answer200(string path)
    {
        using var client = simulator.Connect();
        using var response = await client.Http.GetAsync(path, Cancel);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }
}
