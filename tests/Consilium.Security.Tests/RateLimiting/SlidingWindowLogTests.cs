using Consilium.Orchestrator.Security.RateLimiting;
using Microsoft.Extensions.Time.Testing;

namespace Consilium.Security.Tests.RateLimiting;

public class SlidingWindowLogTests
{
    private static readonly TimeSpan Window = TimeSpan.FromSeconds(60);

    [Fact]
    public void TryAcquire_UpToTheLimit_AdmitsThenRefuses()
    {
        var time = new FakeTimeProvider();
        var log = new SlidingWindowLog(limit: 3, Window, time);

        var decisions = Enumerable.Range(0, 5).Select(_ => log.TryAcquire("client")).ToList();

        Assert.Equal([true, true, true, false, false], decisions.Select(d => d.Admitted));
        Assert.Equal([2, 1, 0, 0, 0], decisions.Select(d => d.Remaining));
        Assert.All(decisions, d => Assert.Equal(3, d.Limit));
        Assert.All(decisions, d => Assert.Equal(60, d.ResetSeconds));
    }

    [Fact]
    public void TryAcquire_AfterTheOldestLeavesTheWindow_AdmitsExactlyOneMore()
    {
        var time = new FakeTimeProvider();
        var log = new SlidingWindowLog(limit: 3, Window, time);
        log.TryAcquire("client");
        time.Advance(TimeSpan.FromSeconds(10));
        log.TryAcquire("client");
        log.TryAcquire("client");

        time.Advance(TimeSpan.FromSeconds(49));
        var stillFull = log.TryAcquire("client");
        time.Advance(TimeSpan.FromSeconds(1)); // the first request is now 60 s old
        var freed = log.TryAcquire("client");
        var fullAgain = log.TryAcquire("client");

        Assert.False(stillFull.Admitted);
        Assert.Equal(1, stillFull.ResetSeconds);
        Assert.True(freed.Admitted);
        Assert.False(fullAgain.Admitted);
        Assert.Equal(10, fullAgain.RetryAfterSeconds); // the two requests made at 10 s leave at 70 s
    }

    [Fact]
    public void TryAcquire_AroundAWindowBoundary_NeverAdmitsMoreThanTheLimitInAnySixtySeconds()
    {
        // A fixed window would admit the limit at 59.9 s and the limit again at 60.1 s: twice the limit in 0.2 s.
        var time = new FakeTimeProvider();
        var log = new SlidingWindowLog(limit: 20, Window, time);
        var admittedAt = new List<TimeSpan>();
        var elapsed = TimeSpan.Zero;
        var step = TimeSpan.FromMilliseconds(700);
        while (elapsed < TimeSpan.FromMinutes(5))
        {
            for (var burst = 0; burst < 3; burst++)
            {
                if (log.TryAcquire("client").Admitted)
                {
                    admittedAt.Add(elapsed);
                }
            }
            time.Advance(step);
            elapsed += step;
        }

        var worst = admittedAt.Max(start => admittedAt.Count(t => t >= start && t < start + Window));
        Assert.Equal(20, worst);
        Assert.InRange(admittedAt.Count, 20 * 5, 20 * 5 + 20); // one limit per minute, plus the first burst
    }

    [Fact]
    public void TryAcquire_RefusedRequests_AreNotCounted()
    {
        var time = new FakeTimeProvider();
        var log = new SlidingWindowLog(limit: 2, Window, time);
        log.TryAcquire("client");
        log.TryAcquire("client");
        for (var i = 0; i < 50; i++)
        {
            time.Advance(TimeSpan.FromMilliseconds(500));
            log.TryAcquire("client");
        }

        time.Advance(Window - TimeSpan.FromSeconds(25)); // 60 s after the two admitted requests

        Assert.True(log.TryAcquire("client").Admitted);
    }

    [Fact]
    public void TryAcquire_ClientsAreCountedSeparately()
    {
        var log = new SlidingWindowLog(limit: 1, Window, new FakeTimeProvider());

        Assert.True(log.TryAcquire("a").Admitted);
        Assert.True(log.TryAcquire("b").Admitted);
        Assert.False(log.TryAcquire("a").Admitted);
    }

    [Fact]
    public async Task TryAcquire_ManyThreadsAtOnce_AdmitsExactlyTheLimit()
    {
        var log = new SlidingWindowLog(limit: 20, Window, new FakeTimeProvider());
        using var start = new Barrier(8);

        var admitted = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(() =>
        {
            start.SignalAndWait(TestContext.Current.CancellationToken);
            return Enumerable.Range(0, 125).Count(_ => log.TryAcquire("client").Admitted);
        }, TestContext.Current.CancellationToken)));

        Assert.Equal(20, admitted.Sum());
    }

    [Fact]
    public void TryAcquire_IdleClients_AreForgottenAfterAWindow()
    {
        var time = new FakeTimeProvider();
        var log = new SlidingWindowLog(limit: 5, Window, time);
        for (var i = 0; i < 100; i++)
        {
            log.TryAcquire($"client-{i}");
        }

        time.Advance(Window + TimeSpan.FromSeconds(1));
        log.TryAcquire("someone-new");

        Assert.Equal(1, log.TrackedClients);
    }
}
