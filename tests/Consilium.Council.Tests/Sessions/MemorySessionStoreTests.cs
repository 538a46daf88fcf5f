using Consilium.Orchestrator.Sessions;
using Microsoft.Extensions.Time.Testing;

namespace Consilium.Council.Tests.Sessions;

/// <summary>What only the in-process store does: expiry and presence on its own clock.</summary>
public sealed class MemorySessionStoreTests : IDisposable
{
    private static readonly TimeSpan Lifetime = TimeSpan.FromMinutes(15);
    private static readonly TimeSpan Grace = TimeSpan.FromSeconds(30);

    private readonly FakeTimeProvider _time = new(DateTimeOffset.Parse("2026-01-01T00:00:00Z", System.Globalization.CultureInfo.InvariantCulture));
    private readonly MemorySessionStore _store;

    public MemorySessionStoreTests() => _store = new MemorySessionStore(_time, new SessionStoreOptions());

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Append_AfterFinish_Throws()
    {
        ISessionStore store = _store;
        var writer = await store.CreateAsync("s2", [1], Lifetime, Grace, Ct);
        writer.Append("done", "{}");
        await writer.FinishAsync(TimeSpan.FromMinutes(10), Ct);

        Assert.Throws<InvalidOperationException>(() => writer.Append("delta", "{}"));
    }

    [Fact]
    public async Task GetAsync_AfterRetention_SessionIsGone()
    {
        ISessionStore store = _store;
        var writer = await store.CreateAsync("s3", [7], Lifetime, Grace, Ct);
        writer.Append("done", "{}");
        await writer.FinishAsync(TimeSpan.FromMinutes(10), Ct);

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
        ISessionStore store = _store;
        var writer = await store.CreateAsync("s4", [1], Lifetime, Grace, Ct);

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

    public void Dispose() => _store.Dispose();
}
