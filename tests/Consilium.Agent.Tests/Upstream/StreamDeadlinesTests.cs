using Consilium.Agent.Options;
using Consilium.Agent.Upstream;
using Microsoft.Extensions.Time.Testing;

namespace Consilium.Agent.Tests.Upstream;

public sealed class StreamDeadlinesTests
{
    private static readonly TimeoutOptions Timeouts = new()
    {
        FirstToken = TimeSpan.FromSeconds(10),
        Idle = TimeSpan.FromSeconds(3),
        Total = TimeSpan.FromSeconds(60),
    };

    private readonly FakeTimeProvider _time = new();

    [Fact]
    public void Token_NoTextInTime_ExpiresWithFirstTokenTimeout()
    {
        using var deadlines = new StreamDeadlines(Timeouts, _time, CancellationToken.None);

        _time.Advance(TimeSpan.FromSeconds(9.9));
        Assert.False(deadlines.Token.IsCancellationRequested);
        _time.Advance(TimeSpan.FromSeconds(0.2));

        Assert.True(deadlines.Token.IsCancellationRequested);
        Assert.Contains("AGENT_FIRST_TOKEN_TIMEOUT", deadlines.Expired(), StringComparison.Ordinal);
    }

    [Fact]
    public void Token_ActivityKeepsComing_IdleNeverExpires()
    {
        using var deadlines = new StreamDeadlines(Timeouts, _time, CancellationToken.None);
        deadlines.FirstTokenArrived();

        for (var i = 0; i < 10; i++)
        {
            deadlines.Activity();
            _time.Advance(TimeSpan.FromSeconds(2.5));
        }

        Assert.False(deadlines.Token.IsCancellationRequested);
        Assert.Null(deadlines.Expired());
    }

    [Fact]
    public void Token_SilenceAfterActivity_ExpiresWithIdleTimeout()
    {
        using var deadlines = new StreamDeadlines(Timeouts, _time, CancellationToken.None);
        deadlines.Activity();

        _time.Advance(TimeSpan.FromSeconds(3.1));

        Assert.True(deadlines.Token.IsCancellationRequested);
        Assert.Contains("AGENT_IDLE_TIMEOUT", deadlines.Expired(), StringComparison.Ordinal);
    }

    [Fact]
    public void Token_StreamClosedBetweenModels_SilenceIsNotIdleness()
    {
        using var deadlines = new StreamDeadlines(Timeouts, _time, CancellationToken.None);
        deadlines.Activity();
        deadlines.StreamClosed();

        _time.Advance(TimeSpan.FromSeconds(5));

        Assert.False(deadlines.Token.IsCancellationRequested);
    }

    [Fact]
    public void Token_LongAnswer_ExpiresWithTotalTimeout()
    {
        using var deadlines = new StreamDeadlines(Timeouts, _time, CancellationToken.None);
        deadlines.FirstTokenArrived();

        for (var i = 0; i < 31; i++)
        {
            deadlines.Activity();
            _time.Advance(TimeSpan.FromSeconds(2));
        }

        Assert.True(deadlines.Token.IsCancellationRequested);
        Assert.Contains("AGENT_TOTAL_TIMEOUT", deadlines.Expired(), StringComparison.Ordinal);
    }

    [Fact]
    public void Token_ClientLeaves_CancelsWithoutATimeout()
    {
        using var client = new CancellationTokenSource();
        using var deadlines = new StreamDeadlines(Timeouts, _time, client.Token);

        client.Cancel();

        Assert.True(deadlines.Token.IsCancellationRequested);
        Assert.Null(deadlines.Expired());
    }
}
