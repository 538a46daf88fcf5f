using System.Net;
using System.Net.ServerSentEvents;
using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Consilium.Streaming.Tests.Support;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;

namespace Consilium.Streaming.Tests;

/// <summary>
/// <see cref="SseEventStream.ReadAllAsync"/> behind <c>TypedResults.ServerSentEvents</c> in a real minimal app on
/// Kestrel (loopback, a port the OS picks), read over a socket by <see cref="HttpClient"/>.
/// </summary>
public sealed class SseEventStreamKestrelTests : IAsyncLifetime
{
    private readonly Channel<SseItem<string>> _events = Channel.CreateUnbounded<SseItem<string>>();
    private readonly FakeTimeProvider _time = new();
    private readonly TaskCompletionSource _enumerationEnded = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly CancellationTokenSource _deadline = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
    private WebApplication? _app;
    private HttpClient? _client;

    private HttpClient Client => _client ?? throw new InvalidOperationException("Not initialised.");

    public async ValueTask InitializeAsync()
    {
        _deadline.CancelAfter(3 * Eventually.Deadline); // no step of a failing test may hang the run
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(kestrel => kestrel.Listen(IPAddress.Loopback, 0));
        _app = builder.Build();
        _app.MapGet("/events", (HttpContext context) => TypedResults.ServerSentEvents(Observed(
            SseEventStream.ReadAllAsync(_events.Reader, context.Response.Body, new SseStreamOptions { TimeProvider = _time }, context.RequestAborted))));
        await _app.StartAsync(TestContext.Current.CancellationToken);

        var address = _app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.Single();
        _client = new HttpClient { BaseAddress = new Uri(address), Timeout = Timeout.InfiniteTimeSpan };
    }

    public async ValueTask DisposeAsync()
    {
        _events.Writer.TryComplete();
        _client?.Dispose();
        if (_app is not null)
        {
            using var stopping = new CancellationTokenSource(Eventually.Deadline); // then open connections are aborted
            await _app.StopAsync(stopping.Token);
            await _app.DisposeAsync();
        }
        _deadline.Dispose();
    }

    [Fact]
    public async Task ServerSentEvents_EventWritten_ReachesClientBeforeTheNextIsProduced()
    {
        var cancellationToken = _deadline.Token;
        using var response = await Eventually.CompletesAsync(
            Client.GetAsync("/events", HttpCompletionOption.ResponseHeadersRead, cancellationToken),
            "the response headers arrive before any event was produced");
        Assert.Equal(SseNames.ContentType, response.Content.Headers.ContentType?.MediaType);
        await using var body = await response.Content.ReadAsStreamAsync(cancellationToken);
        await using var events = SseReader.ReadAsync(body, cancellationToken).GetAsyncEnumerator(cancellationToken);

        _events.Writer.TryWrite(new SseItem<string>("{\"n\":1}", "delta"));
        Assert.True(await Eventually.CompletesAsync(
            events.MoveNextAsync().AsTask(),
            "the first event reaches the client while the producer has not written a second (nothing is buffered)"));
        Assert.Equal(("delta", "{\"n\":1}"), (events.Current.EventType, events.Current.Data));

        _events.Writer.TryWrite(new SseItem<string>("{\"n\":2}", "delta"));
        _events.Writer.TryWrite(StreamEvents.Done("m", Usage.Zero, 1, 2));
        Assert.True(await Eventually.CompletesAsync(events.MoveNextAsync().AsTask(), "the second event arrives"));
        Assert.Equal("{\"n\":2}", events.Current.Data);
        Assert.True(await Eventually.CompletesAsync(events.MoveNextAsync().AsTask(), "the done event arrives"));
        Assert.Equal(SseNames.Done, events.Current.EventType);
        Assert.False(await Eventually.CompletesAsync(events.MoveNextAsync().AsTask(), "the response ends after the terminal event"));
    }

    [Fact]
    public async Task ServerSentEvents_SilenceOfOneInterval_PingReachesClient()
    {
        var cancellationToken = _deadline.Token;
        using var response = await Eventually.CompletesAsync(
            Client.GetAsync("/events", HttpCompletionOption.ResponseHeadersRead, cancellationToken), "the response headers arrive");
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync(cancellationToken));

        _time.Advance(TimeSpan.FromSeconds(15)); // the headers were flushed after the heartbeat was armed
        Assert.Equal(": ping", await Eventually.CompletesAsync(reader.ReadLineAsync(cancellationToken).AsTask(), "a ping line arrives"));
        Assert.Equal("", await Eventually.CompletesAsync(reader.ReadLineAsync(cancellationToken).AsTask(), "the blank line after the ping arrives"));

        _events.Writer.TryWrite(new SseItem<string>("x"));
        Assert.Equal("data: x", await Eventually.CompletesAsync(reader.ReadLineAsync(cancellationToken).AsTask(), "the event after the ping arrives"));
    }

    [Fact]
    public async Task ServerSentEvents_ClientDisconnects_EnumerationEnds()
    {
        var cancellationToken = _deadline.Token;
        var response = await Eventually.CompletesAsync(
            Client.GetAsync("/events", HttpCompletionOption.ResponseHeadersRead, cancellationToken), "the response headers arrive");
        var body = await response.Content.ReadAsStreamAsync(cancellationToken);

        await body.DisposeAsync();
        response.Dispose();
        _client!.Dispose(); // closes the connection

        await Eventually.CompletesAsync(_enumerationEnded.Task, "the server stops enumerating when the client goes away");
    }

    /// <summary>Passes the events through and notes when the server stopped enumerating them.</summary>
    private async IAsyncEnumerable<SseItem<string>> Observed(
        IAsyncEnumerable<SseItem<string>> events,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        try
        {
            await foreach (var item in events.WithCancellation(cancellationToken))
            {
                yield return item;
            }
        }
        finally
        {
            _enumerationEnded.TrySetResult();
        }
    }
}
