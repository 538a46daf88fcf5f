using System.Net;
using System.Text.Json;
using Consilium.ModelSimulator.Observability;
using Consilium.Streaming;

namespace Consilium.ModelSimulator.Tests;

public sealed class FaultTests(FastSimulator simulator)
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    private static string With(string directive, string? seat = "chen", string model = Requests.Model, bool stream = true) =>
        Requests.Message($"{Requests.Question} {directive}", seat: seat, model: model, stream: stream);

    private static async Task AssertErrorAsync(HttpResponseMessage response, int status, string type)
    {
        Assert.Equal(status, (int)response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        Assert.StartsWith("req_", response.Headers.GetValues("request-id").Single(), StringComparison.Ordinal);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync(Cancel));
        Assert.Equal("error", body.RootElement.GetProperty("type").GetString());
        Assert.Equal(type, body.RootElement.GetProperty("error").GetProperty("type").GetString());
        Assert.False(string.IsNullOrEmpty(body.RootElement.GetProperty("error").GetProperty("message").GetString()));
    }

    [Fact]
    public async Task PostMessages_Fault429_RateLimitWithRetryAfter()
    {
        using var client = simulator.Connect();
        using var response = await client.PostAsync(With("[[sim fault=429 retry-after=7]]"), cancellationToken: Cancel);

        await AssertErrorAsync(response, 429, "rate_limit_error");
        Assert.Equal("7", response.Headers.GetValues("retry-after").Single());
        var record = await client.WaitForEndAsync(response.Headers.GetValues("request-id").Single(), Cancel);
        Assert.Equal((Outcomes.Faulted, 429), (record.Outcome, record.Status));
    }

    [Fact]
    public async Task PostMessages_Fault529_OverloadedWithDefaultRetryAfter()
    {
        using var client = simulator.Connect();
        using var response = await client.PostAsync(With("[[sim fault=529]]"), cancellationToken: Cancel);

        await AssertErrorAsync(response, 529, "overloaded_error");
        Assert.Equal("1", response.Headers.GetValues("retry-after").Single());
    }

    [Fact]
    public async Task PostMessages_Fault500ByHeader_ApiError()
    {
        using var client = simulator.Connect();
        using var response = await client.PostAsync(
            Requests.Message(), new Dictionary<string, string> { ["x-sim-directives"] = "[[sim fault=500]]" }, cancellationToken: Cancel);

        await AssertErrorAsync(response, 500, "api_error");
        Assert.False(response.Headers.Contains("retry-after"));
    }

    [Fact]
    public async Task PostMessages_BareHeaderDirective_Applies()
    {
        using var client = simulator.Connect();
        using var response = await client.PostAsync(
            Requests.Message(), new Dictionary<string, string> { ["x-sim-directives"] = "fault=429 retry-after=3" }, cancellationToken: Cancel);

        await AssertErrorAsync(response, 429, "rate_limit_error");
        Assert.Equal("3", response.Headers.GetValues("retry-after").Single());
    }

    [Fact]
    public async Task PostMessages_FaultError_InStreamErrorAfterNDeltas()
    {
        using var client = simulator.Connect();
        var reply = await client.StreamAsync(With("[[sim fault=error after=5]]"), cancellationToken: Cancel);

        Assert.Equal(HttpStatusCode.OK, reply.Response.StatusCode);
        Assert.Equal(["message_start", "content_block_start", "ping", .. Enumerable.Repeat("content_block_delta", 5), "error"], reply.EventTypes);
        Assert.Equal("""{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}""", reply.Events[^1].Data);
        var normal = await client.StreamAsync(Requests.Message(), cancellationToken: Cancel);
        Assert.Equal(normal.Deltas.Take(5), reply.Deltas);
        var record = await client.WaitForEndAsync(reply.RequestId, Cancel);
        Assert.Equal((Outcomes.Faulted, 5), (record.Outcome, record.Deltas));
    }

    [Fact]
    public async Task PostMessages_FaultStall_StopsSendingAndHoldsTheConnection()
    {
        using var client = simulator.Connect();
        using var response = await client.PostAsync(With("[[sim fault=stall after=3]]"), cancellationToken: Cancel);
        var requestId = response.Headers.GetValues("request-id").Single();
        var deltas = 0;
        using var quiet = CancellationTokenSource.CreateLinkedTokenSource(Cancel);
        await using (var body = await response.Content.ReadAsStreamAsync(Cancel))
        {
            await using var reading = SseReader.ReadAsync(body, quiet.Token).GetAsyncEnumerator(quiet.Token);
            while (deltas < 3 && await reading.MoveNextAsync())
            {
                deltas += reading.Current.EventType == "content_block_delta" ? 1 : 0;
            }
            // Nothing more arrives while the connection stays open.
            var next = reading.MoveNextAsync().AsTask();
            Assert.NotSame(next, await Task.WhenAny(next, Task.Delay(TimeSpan.FromMilliseconds(400), Cancel)));
            Assert.Null((await client.RequestsAsync(Cancel)).Single(r => r.Id == requestId).Outcome);
            await quiet.CancelAsync();
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => next);
        }
        response.Dispose();

        var record = await client.WaitForEndAsync(requestId, Cancel);
        Assert.Equal((Outcomes.Faulted, 3), (record.Outcome, record.Deltas));
    }

    [Fact]
    public async Task PostMessages_FaultDrop_AbortsTheConnectionAfterNDeltas()
    {
        using var client = simulator.Connect();
        var reply = await client.StreamAsync(With("[[sim fault=drop after=4]]"), cancellationToken: Cancel);

        Assert.NotNull(reply.Failure);
        Assert.Equal(4, reply.Deltas.Count);
        Assert.DoesNotContain("message_stop", reply.EventTypes);
        var record = await client.WaitForEndAsync(reply.RequestId, Cancel);
        Assert.Equal(Outcomes.Faulted, record.Outcome);
    }

    [Fact]
    public async Task PostMessages_FaultScopedToAnotherModel_DoesNotApply()
    {
        using var client = simulator.Connect();
        using var other = await client.PostAsync(With("[[sim fault=529 model=claude-other-1]]"), cancellationToken: Cancel);
        using var same = await client.PostAsync(With("[[sim fault=529 model=claude-other-1]]", model: "claude-other-1"), cancellationToken: Cancel);

        Assert.Equal(HttpStatusCode.OK, other.StatusCode);
        await AssertErrorAsync(same, 529, "overloaded_error");
    }

    [Fact]
    public async Task PostMessages_FaultScopedToAgents_AppliesToThoseSeatsOnly()
    {
        using var client = simulator.Connect();
        const string directive = "[[sim agent=webb|okafor fault=500]]";
        using var webb = await client.PostAsync(With(directive, seat: "webb"), cancellationToken: Cancel);
        using var okafor = await client.PostAsync(With(directive, seat: "okafor"), cancellationToken: Cancel);
        using var chen = await client.PostAsync(With(directive, seat: "chen"), cancellationToken: Cancel);
        using var none = await client.PostAsync(With(directive, seat: null), cancellationToken: Cancel);

        await AssertErrorAsync(webb, 500, "api_error");
        await AssertErrorAsync(okafor, 500, "api_error");
        Assert.Equal(HttpStatusCode.OK, chen.StatusCode);
        Assert.Equal(HttpStatusCode.OK, none.StatusCode);
    }

    [Fact]
    public async Task PostMessages_Probability_IsAStableShareOfRequests()
    {
        using var client = simulator.Connect();
        var statuses = new List<int>();
        for (var i = 0; i < 30; i++)
        {
            var body = Requests.Message($"Question {i}: should we buy the mall? [[sim fault=500 probability=0.5 tokens=5]]", stream: false);
            using var first = await client.PostAsync(body, cancellationToken: Cancel);
            using var again = await client.PostAsync(body, cancellationToken: Cancel);
            Assert.Equal(first.StatusCode, again.StatusCode);
            statuses.Add((int)first.StatusCode);
        }

        Assert.InRange(statuses.Count(s => s == 500), 5, 25);
        Assert.InRange(statuses.Count(s => s == 200), 5, 25);
    }

    [Fact]
    public async Task PostMessages_TokensDirective_ShortensTheAnswer()
    {
        using var client = simulator.Connect();
        var reply = await client.StreamAsync(With("[[sim tokens=60]]"), cancellationToken: Cancel);
        var full = await client.StreamAsync(Requests.Message(), cancellationToken: Cancel);

        Assert.InRange(reply.Deltas.Count, 45, 90);
        Assert.True(full.Deltas.Count > reply.Deltas.Count + 100);
    }

    [Theory]
    [InlineData("[[sim fault=418]]")]
    [InlineData("[[sim colour=blue]]")]
    [InlineData("[[sim probability=2]]")]
    public async Task PostMessages_BadDirective_InvalidRequest(string directive)
    {
        using var client = simulator.Connect();
        using var response = await client.PostAsync(With(directive), cancellationToken: Cancel);

        await AssertErrorAsync(response, 400, "invalid_request_error");
    }

    [Fact]
    public async Task PostMessages_NonStreamingFaultError_Overloaded()
    {
        using var client = simulator.Connect();
        using var response = await client.PostAsync(With("[[sim fault=error after=3]]", stream: false), cancellationToken: Cancel);

        await AssertErrorAsync(response, 529, "overloaded_error");
    }
}
