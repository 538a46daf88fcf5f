using System.Diagnostics;
using System.Net.Http.Json;
using Consilium.Security.Tests.Support;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Consilium.Security.Tests.HostileInput;

/// <summary>
/// Kestrel's limits against slow clients, with the orchestrator's own settings: a client that trickles its headers or
/// its body is cut off, while an answer stream that is idle but heartbeated stays open for as long as it needs.
/// </summary>
public sealed class SlowClientTests(LiveStack stack) : IClassFixture<LiveStack>
{
    [Fact]
    public async Task Kestrel_HeadersSentSlowly_AreCutOffWhileAnIdleHeartbeatedStreamStaysOpen()
    {
        var ct = TestContext.Current.CancellationToken;
        var limits = stack.Orchestrator.Services.GetRequiredService<IOptions<KestrelServerOptions>>().Value.Limits;
        var headersTimeout = limits.RequestHeadersTimeout;
        Assert.InRange(headersTimeout, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(30));

        // An answer whose first token comes only after the slow client has been cut off: the stream is silent until then
        // except for the orchestrator's heartbeats.
        var thinking = headersTimeout + TimeSpan.FromSeconds(8);
        using var http = stack.Orchestrator.CreateAuthorizedClient(Timeout.InfiniteTimeSpan);
        var clock = Stopwatch.StartNew();
        using var request = new HttpRequestMessage(HttpMethod.Post, "api/agent/vasquez")
        {
            Content = JsonContent.Create(new { message = $"[[sim ttft={(int)thinking.TotalMilliseconds} tokens=20]] Should we refinance before the rate reset?" }),
        };
        using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
        var stream = new TimedLines(await response.Content.ReadAsStreamAsync(ct), clock);
        var reading = stream.ReadToEndAsync(ct);

        await using var slowloris = await RawHttp.ConnectAsync(stack.Orchestrator.BaseAddress, ct);
        await slowloris.SendAsync("GET /api/agents HTTP/1.1\r\nHost: x\r\n", ct);
        var started = clock.Elapsed;
        TimeSpan? cutOff = null;
        while (clock.Elapsed - started < headersTimeout + TimeSpan.FromSeconds(8))
        {
            try
            {
                await slowloris.SendAsync("X", ct); // one byte of a header line a second, never finishing it
            }
            catch (IOException)
            {
                cutOff = clock.Elapsed - started;
                break;
            }
            if (await slowloris.ClosedWithinAsync(TimeSpan.FromSeconds(1), ct))
            {
                cutOff = clock.Elapsed - started;
                break;
            }
        }
        var streamAtCutOff = stream.Snapshot();

        Assert.True(cutOff is not null, $"A client sending its headers one byte a second was still connected after {headersTimeout + TimeSpan.FromSeconds(8)}.");
        Assert.InRange(cutOff.Value, headersTimeout - TimeSpan.FromSeconds(1), headersTimeout + TimeSpan.FromSeconds(5));
        Assert.False(stream.Ended, $"The idle answer stream ended before the slow client was cut off ({cutOff}): {Describe(streamAtCutOff)}");
        Assert.DoesNotContain(streamAtCutOff, l => l.Text.StartsWith("event: done", StringComparison.Ordinal) || l.Text.StartsWith("event: error", StringComparison.Ordinal));
        Assert.Contains(streamAtCutOff, l => l.Text.StartsWith(": ping", StringComparison.Ordinal));

        await reading;
        Assert.Contains(stream.Snapshot(), l => l.Text == "event: done" && l.At > thinking);
    }

    [Fact]
    public async Task Kestrel_BodySentSlowly_IsCutOffAndNeverAnswered200()
    {
        var ct = TestContext.Current.CancellationToken;
        var rate = stack.Orchestrator.Services.GetRequiredService<IOptions<KestrelServerOptions>>().Value.Limits.MinRequestBodyDataRate!;
        await using var slow = await RawHttp.ConnectAsync(stack.Orchestrator.BaseAddress, ct);
        await slow.SendAsync(
            $"POST /api/agent/vasquez HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {OrchestratorHost.Secret}\r\n" +
            "Content-Type: application/json\r\nContent-Length: 4000\r\n\r\n{\"message\": \"",
            ct);
        var clock = Stopwatch.StartNew();
        var closed = false;
        while (!closed && clock.Elapsed < rate.GracePeriod + TimeSpan.FromSeconds(8))
        {
            try
            {
                await slow.SendAsync("a", ct);
                closed = await slow.ClosedWithinAsync(TimeSpan.FromSeconds(1), ct);
            }
            catch (IOException)
            {
                closed = true;
            }
        }

        Assert.True(closed, $"A body trickling in at 1 byte/s was still being read after {clock.Elapsed} (minimum rate {rate.BytesPerSecond} B/s after {rate.GracePeriod}).");
        Assert.InRange(clock.Elapsed, rate.GracePeriod - TimeSpan.FromSeconds(1), rate.GracePeriod + TimeSpan.FromSeconds(5));
    }

    private static string Describe(IReadOnlyList<(string Text, TimeSpan At)> lines) =>
        string.Join(" | ", lines.Where(l => l.Text.Length > 0).Select(l => $"{l.At.TotalSeconds:0.0}s {l.Text[..Math.Min(l.Text.Length, 120)]}"));

    /// <summary>Reads a response body line by line, remembering when each line arrived.</summary>
    private sealed class TimedLines(Stream body, Stopwatch clock)
    {
        private readonly List<(string Text, TimeSpan At)> _lines = [];
        private volatile bool _ended;

        public bool Ended => _ended;

        public IReadOnlyList<(string Text, TimeSpan At)> Snapshot()
        {
            lock (_lines)
            {
                return [.. _lines];
            }
        }

        public async Task ReadToEndAsync(CancellationToken ct)
        {
            using var reader = new StreamReader(body);
            while (await reader.ReadLineAsync(ct) is { } line)
            {
                lock (_lines)
                {
                    _lines.Add((line, clock.Elapsed));
                }
            }
            _ended = true;
        }
    }
}
