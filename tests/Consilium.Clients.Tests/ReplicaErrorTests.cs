using System.Collections.Concurrent;
using System.Text;
using Consilium.Client;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Consilium.Clients.Tests;

/// <summary>
/// An <c>error</c> without an <c>id:</c> is the serving replica's own, not the council's (docs/api.md): the client
/// resumes from its last id. The server here is a small real HTTP server on a loopback socket that writes the wire
/// format by hand, so the test decides exactly where the id-less error falls (the system emits one only when a
/// replica's reader loses the Redis log, which a test cannot place between two given events).
/// </summary>
public sealed class ReplicaErrorTests
{
    private const string SessionId = "SSSSSSSSSSSSSSSSSSSSSS";
    private const string Token = "the-resume-token";

    [Fact]
    public async Task AskCouncil_ErrorWithoutId_ResumesFromTheLastIdAndYieldsEveryEventOnce()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var server = await ScriptedServer.StartAsync(resumes: 1);
        using var http = new HttpClient { BaseAddress = server.Url, Timeout = Timeout.InfiniteTimeSpan };
        var reconnects = 0;
        var client = new ConsiliumClient(http, new ConsiliumClientOptions
        {
            Secret = "secret",
            ResumeBackoff = TimeSpan.FromMilliseconds(10),
            OnReconnecting = (_, _) => reconnects++,
        });

        var events = new List<CouncilEvent>();
        await foreach (var item in client.AskCouncilAsync(new CouncilQuestion("Buy?"), ct))
        {
            events.Add(item);
        }

        Assert.Equal([1L, 2, 3, 4], events.Select(e => e.Id));
        Assert.IsType<DoneEvent>(events[^1]);
        Assert.DoesNotContain(events, e => e is ErrorEvent);
        // The first resume met the same id-less error; both resumed from event 2 with the session's token.
        Assert.Equal(2, reconnects);
        Assert.Equal(["2", "2"], server.Resumes.Select(r => r.LastEventId));
        Assert.All(server.Resumes, r => Assert.Contains($"resume={Token}", r.Query, StringComparison.Ordinal));
    }

    [Fact]
    public async Task AskCouncil_ErrorWithoutIdOnEveryResume_GivesUpAfterTheBoundedTries()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var server = await ScriptedServer.StartAsync(resumes: int.MaxValue);
        using var http = new HttpClient { BaseAddress = server.Url, Timeout = Timeout.InfiniteTimeSpan };
        var client = new ConsiliumClient(http, new ConsiliumClientOptions { MaxResumeAttempts = 3, ResumeBackoff = TimeSpan.FromMilliseconds(10) });

        var events = new List<CouncilEvent>();
        var failure = await Assert.ThrowsAsync<ConsiliumStreamException>(async () =>
        {
            await foreach (var item in client.AskCouncilAsync(new CouncilQuestion("Buy?"), ct))
            {
                events.Add(item);
            }
        });

        Assert.Equal([1L, 2], events.Select(e => e.Id));
        Assert.Equal(3, server.Resumes.Count);
        Assert.Contains("3 reconnects failed", failure.Message, StringComparison.Ordinal);
        Assert.Contains("lost the event log", failure.InnerException?.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AskCouncil_ErrorWithId_IsTheCouncilsTerminalEvent()
    {
        var ct = TestContext.Current.CancellationToken;
        await using var server = await ScriptedServer.StartAsync(resumes: 0, terminalErrorId: 3);
        using var http = new HttpClient { BaseAddress = server.Url, Timeout = Timeout.InfiniteTimeSpan };
        var client = new ConsiliumClient(http);

        var events = new List<CouncilEvent>();
        await foreach (var item in client.AskCouncilAsync(new CouncilQuestion("Buy?"), ct))
        {
            events.Add(item);
        }

        var error = Assert.IsType<ErrorEvent>(events[^1]);
        Assert.Equal(3, error.Id);
        Assert.Empty(server.Resumes);
    }

    /// <summary>
    /// Serves <c>POST /api/consilium</c> as events 1 (session) and 2 (delta) followed by an error without an id — or,
    /// with <c>terminalErrorId</c>, by the council's own error with that id — and the first <c>resumes</c> resumes as
    /// the same id-less error, the next as events 3 (delta) and 4 (done).
    /// </summary>
    private sealed class ScriptedServer : IAsyncDisposable
    {
        private readonly WebApplication _app;
        private int _resumed;

        private ScriptedServer(WebApplication app) => _app = app;

        public Uri Url { get; private set; } = null!;

        public ConcurrentQueue<(string? LastEventId, string Query)> ResumeLog { get; } = new();

        public IReadOnlyList<(string? LastEventId, string Query)> Resumes => [.. ResumeLog];

        public static async Task<ScriptedServer> StartAsync(int resumes, long? terminalErrorId = null)
        {
            var builder = WebApplication.CreateSlimBuilder();
            builder.WebHost.UseUrls("http://127.0.0.1:0");
            builder.Logging.ClearProviders();
            var app = builder.Build();
            var server = new ScriptedServer(app);
            app.MapPost("/api/consilium", async context =>
            {
                context.Response.Headers[ConsiliumClient.SessionHeader] = SessionId;
                await WriteAsync(context,
                    Event(1, "session", $"{{\"sessionId\":\"{SessionId}\",\"resumeToken\":\"{Token}\",\"agents\":[]}}"),
                    Event(2, "delta", "{\"agent\":\"vasquez\",\"text\":\"Buy\"}"),
                    terminalErrorId is { } id
                        ? Event(id, "error", "{\"code\":\"unavailable\",\"message\":\"Every agent failed.\"}")
                        : LostLog);
            });
            app.MapGet("/api/consilium/sessions/{sessionId}/events", async context =>
            {
                server.ResumeLog.Enqueue((context.Request.Headers[ConsiliumClient.LastEventIdHeader].FirstOrDefault(), context.Request.QueryString.Value ?? ""));
                if (Interlocked.Increment(ref server._resumed) <= resumes)
                {
                    await WriteAsync(context, LostLog);
                    return;
                }
                await WriteAsync(context,
                    Event(3, "delta", "{\"agent\":\"vasquez\",\"text\":\" it.\"}"),
                    Event(4, "done", "{\"succeeded\":[\"vasquez\"],\"failed\":[],\"usage\":{\"input_tokens\":10,\"output_tokens\":2,\"cache_creation_input_tokens\":0,\"cache_read_input_tokens\":0},\"costUsd\":0.001,\"cacheSavingsUsd\":0,\"durationMs\":5}"));
            });
            await app.StartAsync();
            server.Url = new Uri(app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single() + "/");
            return server;
        }

        /// <summary>What a replica whose reader lost the Redis log writes: an error with no <c>id:</c> line.</summary>
        private const string LostLog = "event: error\ndata: {\"code\":\"unavailable\",\"message\":\"This replica lost the event log.\"}\n\n";

        private static string Event(long id, string name, string data) => $"id: {id}\nevent: {name}\ndata: {data}\n\n";

        private static async Task WriteAsync(HttpContext context, params string[] events)
        {
            context.Response.ContentType = "text/event-stream";
            foreach (var item in events)
            {
                await context.Response.Body.WriteAsync(Encoding.UTF8.GetBytes(item));
                await context.Response.Body.FlushAsync();
            }
        }

        public async ValueTask DisposeAsync() => await _app.DisposeAsync();
    }
}
