using Consilium.Orchestrator.Sessions;
using Microsoft.Extensions.Time.Testing;

namespace Consilium.Council.Tests.Sessions;

public sealed class MemorySessionStoreTests : IDisposable
{
    private static readonly TimeSpan Lifetime = TimeSpan.FromMinutes(15);
    private static readonly TimeSpan Grace = TimeSpan.FromSeconds(30);

    private readonly FakeTimeProvider _time = new(DateTimeOffset.Parse("2026-01-01T00:00:00Z", System.Globalization.CultureInfo.InvariantCulture));
    private readonly MemorySessionStore _store;

    public MemorySessionStoreTests() => _store = new MemorySessionStore(_time, new SessionStoreOptions());

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static SessionEvent Event(long id, string type = "delta") => new(id, type, $"{{\"n\":{id}}}");

    [Fact]
    public async Task ReadAsync_FromAnId_ReplaysTheRestThenFollowsLiveUntilTheTerminalEvent()
    {
        var writer = await _store.CreateAsync("s1", [1], Lifetime, Grace, Ct);
        await writer.AppendAsync([Event(1, "session"), Event(2), Event(3)], Ct);

        var reading = ReadAllAsync("s1", afterId: 1);
        await writer.AppendAsync([Event(4), Event(5, "done")], Ct);
        await writer.FinishAsync(5, TimeSpan.FromMinutes(10), Ct);

        Assert.Equal([2, 3, 4, 5], (await reading).Select(e => e.Id));
    }

    [Fact]
    public async Task AppendAsync_IdThatDoesNotFollow_Throws()
    {
        var writer = await _store.CreateAsync("s2", [1], Lifetime, Grace, Ct);
        await writer.AppendAsync([Event(1)], Ct);

        await Assert.ThrowsAsync<InvalidOperationException>(() => writer.AppendAsync([Event(3)], Ct));
    }

    [Fact]
    public async Task GetAsync_AfterRetention_SessionIsGone()
    {
        var writer = await _store.CreateAsync("s3", [7], Lifetime, Grace, Ct);
        await writer.AppendAsync([Event(1, "done")], Ct);
        await writer.FinishAsync(1, TimeSpan.FromMinutes(10), Ct);

        _time.Advance(TimeSpan.FromMinutes(9));
        var kept = await _store.GetAsync("s3", Ct);
        _time.Advance(TimeSpan.FromMinutes(2));

        Assert.NotNull(kept);
        Assert.True(kept.Finished);
        Assert.Equal(1, kept.LastEventId);
        Assert.Null(await _store.GetAsync("s3", Ct));
    }

    [Fact]
    public async Task HeartbeatAsync_PresenceLapsesAfterTheGraceUnlessTouched()
    {
        var writer = await _store.CreateAsync("s4", [1], Lifetime, Grace, Ct);

        _time.Advance(Grace - TimeSpan.FromSeconds(1));
        var beforeGrace = await writer.HeartbeatAsync(Ct);
        await _store.TouchPresenceAsync("s4", Grace, Ct);
        _time.Advance(Grace - TimeSpan.FromSeconds(1));
        var touched = await writer.HeartbeatAsync(Ct);
        _time.Advance(TimeSpan.FromSeconds(2));
        var lapsed = await writer.HeartbeatAsync(Ct);

        Assert.True(beforeGrace);
        Assert.True(touched);
        Assert.False(lapsed);
    }

    private async Task<List<SessionEvent>> ReadAllAsync(string sessionId, long afterId)
    {
        var events = new List<SessionEvent>();
        await foreach (var item in _store.ReadAsync(sessionId, afterId, Ct))
        {
            events.Add(item);
        }
        return events;
    }

    public void Dispose() => _store.Dispose();
}
