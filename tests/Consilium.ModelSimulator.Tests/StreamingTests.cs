using System.Diagnostics;
using System.Net;
using System.Text.Json;
using Consilium.Streaming;

namespace Consilium.ModelSimulator.Tests;

public sealed class StreamingTests(FastSimulator simulator)
{
    private static CancellationToken Cancel => TestContext.Current.CancellationToken;

    [Fact]
    public async Task PostMessages_Stream_SendsTheAnthropicEventSequence()
    {
        using var client = simulator.Connect();
        var reply = await client.StreamAsync(Requests.Message(), cancellationToken: Cancel);

        Assert.Equal(HttpStatusCode.OK, reply.Response.StatusCode);
        Assert.Equal("text/event-stream", reply.Response.Content.Headers.ContentType?.MediaType);
        Assert.StartsWith("req_", reply.RequestId, StringComparison.Ordinal);
        var types = reply.EventTypes;
        Assert.Equal(["message_start", "content_block_start", "ping"], types.Take(3));
        Assert.Equal(["content_block_stop", "message_delta", "message_stop"], types.TakeLast(3));
        Assert.All(types.Skip(3).SkipLast(3), type => Assert.Equal("content_block_delta", type));
        Assert.True(reply.Deltas.Count > 100, $"expected about 260 token-sized deltas, got {reply.Deltas.Count}");
        // Each event's data names its own type, as on the real API.
        Assert.All(reply.Events, e => Assert.Equal(e.EventType, JsonDocument.Parse(e.Data).RootElement.GetProperty("type").GetString()));
    }

    [Fact]
    public async Task PostMessages_Stream_EventShapesMatchTheRealApi()
    {
        using var client = simulator.Connect();
        var reply = await client.StreamAsync(Requests.Message(), cancellationToken: Cancel);
        var data = reply.Data.ToList();

        var message = data[0].GetProperty("message");
        Assert.StartsWith("msg_", message.GetProperty("id").GetString(), StringComparison.Ordinal);
        Assert.Equal("message", message.GetProperty("type").GetString());
        Assert.Equal("assistant", message.GetProperty("role").GetString());
        Assert.Equal(Requests.Model, message.GetProperty("model").GetString());
        Assert.Equal(0, message.GetProperty("content").GetArrayLength());
        Assert.Equal(JsonValueKind.Null, message.GetProperty("stop_reason").ValueKind);
        Assert.Equal(JsonValueKind.Null, message.GetProperty("stop_sequence").ValueKind);
        var startUsage = message.GetProperty("usage");
        foreach (var field in new[] { "input_tokens", "cache_creation_input_tokens", "cache_read_input_tokens", "output_tokens" })
        {
            Assert.Equal(JsonValueKind.Number, startUsage.GetProperty(field).ValueKind);
        }

        var blockStart = data[1];
        Assert.Equal(0, blockStart.GetProperty("index").GetInt32());
        Assert.Equal("text", blockStart.GetProperty("content_block").GetProperty("type").GetString());
        Assert.Equal("", blockStart.GetProperty("content_block").GetProperty("text").GetString());

        var delta = data[3];
        Assert.Equal(0, delta.GetProperty("index").GetInt32());
        Assert.Equal("text_delta", delta.GetProperty("delta").GetProperty("type").GetString());

        Assert.Equal(0, data[^3].GetProperty("index").GetInt32());
        var messageDelta = data[^2];
        Assert.Equal("end_turn", messageDelta.GetProperty("delta").GetProperty("stop_reason").GetString());
        Assert.Equal(JsonValueKind.Null, messageDelta.GetProperty("delta").GetProperty("stop_sequence").ValueKind);
        var usage = Usage.From(messageDelta.GetProperty("usage"));
        Assert.Equal(reply.Deltas.Count, usage.OutputTokens);
        Assert.Equal(startUsage.GetProperty("input_tokens").GetInt64(), usage.InputTokens);
    }

    [Fact]
    public async Task PostMessages_Stream_DeltasAreAboutOneTokenEach()
    {
        using var client = simulator.Connect();
        var reply = await client.StreamAsync(Requests.Message(), cancellationToken: Cancel);

        var words = reply.Deltas.Where(d => d.Trim().All(char.IsLetter) && d.Trim().Length > 0).ToList();
        Assert.True(words.Count > reply.Deltas.Count / 2, "most deltas should be a word or word piece");
        Assert.All(reply.Deltas, d => Assert.True(d.TrimStart().Length <= 12 || d.Contains("event:", StringComparison.Ordinal), $"delta too long: '{d}'"));
        Assert.Contains(reply.Deltas, d => d.StartsWith(' ') && d.Length > 1);
    }

    [Fact]
    public async Task PostMessages_StreamAndNot_SameText()
    {
        using var client = simulator.Connect();
        var streamed = await client.StreamAsync(Requests.Message(stream: true), cancellationToken: Cancel);
        using var whole = await client.PostJsonAsync(Requests.Message(stream: false), cancellationToken: Cancel);

        var root = whole.RootElement;
        Assert.Equal("message", root.GetProperty("type").GetString());
        Assert.Equal("assistant", root.GetProperty("role").GetString());
        Assert.Equal("end_turn", root.GetProperty("stop_reason").GetString());
        Assert.Equal(streamed.Text, root.GetProperty("content")[0].GetProperty("text").GetString());
        Assert.Equal(streamed.Deltas.Count, root.GetProperty("usage").GetProperty("output_tokens").GetInt32());
    }

    [Fact]
    public async Task PostMessages_MaxTokens_StopsWithMaxTokens()
    {
        using var client = simulator.Connect();
        var reply = await client.StreamAsync(Requests.Message(maxTokens: 17), cancellationToken: Cancel);
        using var whole = await client.PostJsonAsync(Requests.Message(maxTokens: 17, stream: false), cancellationToken: Cancel);

        Assert.Equal(17, reply.Deltas.Count);
        var messageDelta = reply.Data.Single(d => d.GetProperty("type").GetString() == "message_delta");
        Assert.Equal("max_tokens", messageDelta.GetProperty("delta").GetProperty("stop_reason").GetString());
        Assert.Equal(17, messageDelta.GetProperty("usage").GetProperty("output_tokens").GetInt32());
        Assert.Equal("max_tokens", whole.RootElement.GetProperty("stop_reason").GetString());
        Assert.Equal(reply.Text, whole.RootElement.GetProperty("content")[0].GetProperty("text").GetString());
    }

    [Fact]
    public async Task PostMessages_StopSequence_StopsBeforeIt()
    {
        using var client = simulator.Connect();
        var full = await client.AnswerAsync(Requests.Message(stream: false), Cancel);
        using var stopped = await client.PostJsonAsync(Requests.Message(stream: false, stopSequences: ["<stance>"]), cancellationToken: Cancel);

        Assert.Equal("stop_sequence", stopped.RootElement.GetProperty("stop_reason").GetString());
        Assert.Equal("<stance>", stopped.RootElement.GetProperty("stop_sequence").GetString());
        Assert.Equal(full[..full.IndexOf("<stance>", StringComparison.Ordinal)], stopped.RootElement.GetProperty("content")[0].GetProperty("text").GetString());
    }

    [Fact]
    public async Task PostMessages_TtftAndRateDirective_PaceTheStream()
    {
        using var client = simulator.Connect();
        var clock = Stopwatch.StartNew();
        using var response = await client.PostAsync(Requests.Message(Requests.Question + " [[sim ttft=1000 rate=100 tokens=40]]"), cancellationToken: Cancel);
        await using var body = await response.Content.ReadAsStreamAsync(Cancel);
        TimeSpan? firstEvent = null, firstDelta = null;
        var deltas = 0;
        await foreach (var item in SseReader.ReadAsync(body, Cancel))
        {
            firstEvent ??= clock.Elapsed;
            if (item.EventType == "content_block_delta")
            {
                firstDelta ??= clock.Elapsed;
                deltas++;
            }
        }
        var total = clock.Elapsed;

        Assert.True(firstEvent < TimeSpan.FromMilliseconds(700), $"message_start should come at once, came after {firstEvent}");
        Assert.True(firstDelta >= TimeSpan.FromMilliseconds(990), $"first delta after {firstDelta}, expected ≥ 1000 ms");
        // Delta i is due at ttft + i/rate from the request's start (late timers catch up, they never run ahead).
        var due = TimeSpan.FromMilliseconds(1000 + (deltas - 1) * 10);
        Assert.True(total >= due * 0.98, $"{deltas} deltas at 100/s after 1000 ms ended after {total}, expected ≥ {due}");
    }

    [Fact]
    public async Task PostMessages_SlowStream_EachEventArrivesBeforeTheNextIsProduced()
    {
        using var client = simulator.Connect();
        using var response = await client.PostAsync(Requests.Message(Requests.Question + " [[sim ttft=0 rate=5 tokens=60]]"), cancellationToken: Cancel);
        await using var body = await response.Content.ReadAsStreamAsync(Cancel);
        var requestId = response.Headers.GetValues("request-id").Single();
        var seen = 0;
        await foreach (var item in SseReader.ReadAsync(body, Cancel))
        {
            if (item.EventType == "content_block_delta" && ++seen == 2)
            {
                break;
            }
        }
        // The simulator has produced about two deltas so far; nothing waited in a buffer for more.
        var record = (await client.RequestsAsync(Cancel)).Single(r => r.Id == requestId);
        Assert.Null(record.Outcome);
        Assert.InRange(record.Deltas, 2, 4);
    }
}
