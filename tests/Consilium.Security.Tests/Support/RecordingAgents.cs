using System.Collections.Concurrent;
using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Consilium.Security.Tests.Support;

/// <summary>
/// Where an orchestrator's agents are expected (<c>AGENT_URL_TEMPLATE</c>), recording every question it receives so a
/// test can show that a refused request reached no agent. Health probes are answered and not recorded.
/// </summary>
public sealed class RecordingAgents : IAsyncDisposable
{
    private readonly WebApplication _app;

    private RecordingAgents(WebApplication app) => _app = app;

    public ConcurrentQueue<string> Questions { get; } = new();

    public string UrlTemplate { get; private set; } = "";

    public static async Task<RecordingAgents> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseKestrel(options => options.Listen(IPAddress.Loopback, 0));
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var agents = new RecordingAgents(app);
        app.MapGet("/{id}/health", () => Results.Ok());
        app.MapGet("/{id}/alive", () => Results.Ok());
        app.Map("/{**path}", (HttpContext context) =>
        {
            agents.Questions.Enqueue($"{context.Request.Method} {context.Request.Path}");
            return Results.StatusCode(StatusCodes.Status503ServiceUnavailable);
        });
        await app.StartAsync().ConfigureAwait(false);
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        agents.UrlTemplate = address + "/{id}/";
        return agents;
    }

    public async ValueTask DisposeAsync() => await _app.DisposeAsync().ConfigureAwait(false);
}
