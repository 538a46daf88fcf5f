using System.Collections.Concurrent;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Consilium.Gateway.Tests;

/// <summary>
/// A small real Kestrel server standing in for an orchestrator replica: the thing under test is the proxy, so the
/// upstream only has to show what reached it and hold a stream open on request.
/// </summary>
public sealed class FakeOrchestrator : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentDictionary<string, TaskCompletionSource> _held = new();
    private int _nonApiHits;

    public const string OwnPolicy = "default-src 'self'; script-src 'self' 'unsafe-inline'; frame-ancestors 'none'";

    private FakeOrchestrator(WebApplication app) => _app = app;

    public Uri BaseAddress { get; private set; } = null!;

    /// <summary>Requests that reached the upstream outside <c>/api</c>.</summary>
    public int NonApiHits => Volatile.Read(ref _nonApiHits);

    public static async Task<FakeOrchestrator> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseKestrel(options => options.Listen(IPAddress.Loopback, 0));
        var app = builder.Build();
        var fake = new FakeOrchestrator(app);
        fake.Map(app);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First();
        fake.BaseAddress = new Uri(address);
        return fake;
    }

    /// <summary>Lets the held stream <paramref name="id"/> send its last event and end.</summary>
    public void Release(string id) => Hold(id).TrySetResult();

    /// <summary>Whether stream <paramref name="id"/> is still being held open by the upstream.</summary>
    public bool IsHolding(string id) => !Hold(id).Task.IsCompleted;

    private TaskCompletionSource Hold(string id) =>
        _held.GetOrAdd(id, _ => new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));

    private void Map(WebApplication app)
    {
        app.MapGet("/health", () => "ok");
        app.MapGet("/other", () =>
        {
            Interlocked.Increment(ref _nonApiHits);
            return "upstream other";
        });
        app.MapGet("/api/headers", (HttpContext context) =>
        {
            context.Response.Headers.Server = "orchestrator-internal/1.0";
            context.Response.Headers["X-Powered-By"] = "internal";
            return Results.Json(new EchoedRequest(
                context.Connection.RemoteIpAddress?.ToString() ?? "",
                context.Request.Headers.ToDictionary(h => h.Key.ToLowerInvariant(), h => h.Value.ToString())));
        });
        // A proxied page that brings its own policy, as the API reference page does.
        app.MapGet("/api/own-policy", (HttpContext context) =>
        {
            context.Response.Headers.ContentSecurityPolicy = OwnPolicy;
            return Results.Text("<!doctype html><title>reference</title>", "text/html");
        });
        app.MapPost("/api/stream/{id}", async (string id, HttpContext context) =>
        {
            context.Response.ContentType = "text/event-stream";
            await context.Response.WriteAsync("event: first\ndata: {\"n\":1}\n\n", context.RequestAborted);
            await context.Response.Body.FlushAsync(context.RequestAborted);
            await Hold(id).Task.WaitAsync(TimeSpan.FromSeconds(30), context.RequestAborted);
            await context.Response.WriteAsync("event: done\ndata: {\"n\":2}\n\n", context.RequestAborted);
        });
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var hold in _held.Values)
        {
            hold.TrySetResult();
        }
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}

/// <summary>What the fake orchestrator saw of a request: the TCP peer and every header (names in lower case).</summary>
public sealed record EchoedRequest(string Peer, Dictionary<string, string> Headers);
