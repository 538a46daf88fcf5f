using Consilium.Streaming;

namespace Consilium.ModelSimulator.Tests;

/// <summary>Every fault behaves the same whether it comes in the message text, the header or <c>SIM_FAULTS</c>.</summary>
public sealed class FaultChannelTests(FastSimulator fast, ConfiguredFaultsSimulator configured) : IClassFixture<ConfiguredFaultsSimulator>
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    /// <summary>Each fault, the seat it is bound to in <c>SIM_FAULTS</c>, and what a client observes.</summary>
    public static readonly (string Directive, string Seat, string Observed)[] Faults =
    [
        ("fault=429 retry-after=4", "vasquez", "429 rate_limit_error retry-after=4"),
        ("fault=500", "okafor", "500 api_error"),
        ("fault=529", "mitchell", "529 overloaded_error retry-after=1"),
        ("fault=error after=2", "harlow", "error after 2"),
        ("fault=stall after=1", "nakamura", "stall after 1"),
        ("fault=drop after=2", "diallo", "drop after 2"),
    ];

    public static TheoryData<string, int> Cases()
    {
        var data = new TheoryData<string, int>();
        foreach (var channel in new[] { "text", "header", "SIM_FAULTS" })
        {
            for (var i = 0; i < Faults.Length; i++)
            {
                data.Add(channel, i);
            }
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task PostMessages_FaultByAnyChannel_SameObservation(string channel, int fault)
    {
        var (directive, seat, expected) = Faults[fault];
        var host = channel == "SIM_FAULTS" ? (SimulatorHost)configured : fast;
        const string model = "claude-haiku-4-5-20251001";
        var body = channel == "text"
            ? Requests.Message($"{Requests.Question} [[sim {directive}]]", seat: seat, model: model)
            : Requests.Message(seat: seat, model: model);
        var headers = channel == "header" ? new Dictionary<string, string> { ["x-sim-directives"] = $"[[sim {directive}]]" } : null;

        using var client = host.Connect();
        Assert.Equal(expected, await ObserveAsync(client, body, headers));
    }

    /// <summary>What a streaming client sees: an HTTP error, or how the stream ended after how many deltas.</summary>
    private static async Task<string> ObserveAsync(SimulatorClient client, string body, Dictionary<string, string>? headers)
    {
        using var response = await client.PostAsync(body, headers, cancellationToken: Cancel);
        if (!response.IsSuccessStatusCode)
        {
            using var error = System.Text.Json.JsonDocument.Parse(await response.Content.ReadAsStringAsync(Cancel));
            var type = error.RootElement.GetProperty("error").GetProperty("type").GetString();
            var retry = response.Headers.TryGetValues("retry-after", out var values) ? $" retry-after={values.Single()}" : "";
            return $"{(int)response.StatusCode} {type}{retry}";
        }

        await using var stream = await response.Content.ReadAsStreamAsync(Cancel);
        using var quiet = CancellationTokenSource.CreateLinkedTokenSource(Cancel);
        await using var events = SseReader.ReadAsync(stream, quiet.Token).GetAsyncEnumerator(quiet.Token);
        var deltas = 0;
        var last = "";
        try
        {
            while (true)
            {
                var next = events.MoveNextAsync().AsTask();
                if (await Task.WhenAny(next, Task.Delay(TimeSpan.FromMilliseconds(800), Cancel)) != next)
                {
                    await quiet.CancelAsync();
                    await Assert.ThrowsAnyAsync<OperationCanceledException>(() => next);
                    return $"stall after {deltas}";
                }
                if (!await next)
                {
                    break;
                }
                last = events.Current.EventType;
                deltas += last == "content_block_delta" ? 1 : 0;
            }
        }
        catch (Exception ex) when (ex is IOException or HttpRequestException)
        {
            return $"drop after {deltas}";
        }
        return last == "error" ? $"error after {deltas}" : $"{last} after {deltas}";
    }
}
