namespace Consilium.Streaming.Tests.Support;

/// <summary>Polls a condition until it holds or a deadline passes, instead of sleeping and hoping.</summary>
public static class Eventually
{
    public static readonly TimeSpan Deadline = TimeSpan.FromSeconds(10);

    public static async Task HoldsAsync(Func<bool> condition, Func<string> whatWasExpected)
    {
        var deadline = DateTimeOffset.UtcNow + Deadline; // the test's own wall clock, not the code under test's
        while (!condition())
        {
            if (DateTimeOffset.UtcNow > deadline)
            {
                Assert.Fail($"Not within {Deadline.TotalSeconds} s: {whatWasExpected()}");
            }
            await Task.Delay(5, TestContext.Current.CancellationToken);
        }
    }

    /// <summary>Awaits a task that should finish soon, failing with a message rather than hanging.</summary>
    public static async Task<T> CompletesAsync<T>(Task<T> task, string what)
    {
        await CompletesAsync((Task)task, what);
        return await task;
    }

    public static async Task CompletesAsync(Task task, string what)
    {
        var winner = await Task.WhenAny(task, Task.Delay(Deadline, TestContext.Current.CancellationToken));
        if (winner != task)
        {
            Assert.Fail($"Not within {Deadline.TotalSeconds} s: {what}");
        }
        await task;
    }
}
