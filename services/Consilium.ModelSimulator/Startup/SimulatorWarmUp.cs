using System.Net.Http.Headers;
using System.Text;
using Consilium.ModelSimulator.Messages;
using Consilium.ModelSimulator.Options;
using Consilium.ServiceDefaults.WarmUp;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.Extensions.Options;

namespace Consilium.ModelSimulator.Startup;

/// <summary>
/// Before <c>/health</c> reports ready, one streamed and one whole answer through the simulator's own Kestrel pipeline
/// and <c>POST /v1/messages</c> handler, unpaced (<c>[[sim ttft=0 rate=0]]</c>), without <c>cache_control</c> (the prompt
/// cache is not touched). They carry <see cref="Header"/> with this process's own random value, so the request log and
/// its totals (<c>/sim/requests</c>, <c>/sim/stats</c>) never show them.
/// </summary>
public sealed class SimulatorWarmUp(IServer server, IHostApplicationLifetime lifetime, IOptions<SimulatorOptions> options, TimeProvider time, ILogger<SimulatorWarmUp> logger)
    : StartupWarmUp(server, lifetime, time, logger)
{
    public const string Header = "x-sim-warm-up";

    private readonly string _token = Guid.NewGuid().ToString("N");

    /// <summary>Whether <paramref name="http"/> is one of this process's own warm-up requests.</summary>
    public bool IsWarmUp(HttpContext http) =>
        http.Request.Headers.TryGetValue(Header, out var value) && string.Equals(value, _token, StringComparison.Ordinal);

    protected override async Task WarmAsync(Uri? loopback, CancellationToken cancellationToken)
    {
        if (loopback is null)
        {
            return; // an in-memory test server: nothing to call
        }
        using var http = new HttpClient { BaseAddress = loopback, Timeout = TimeSpan.FromSeconds(30) };
        foreach (var stream in (bool[])[true, false])
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "v1/messages") { Content = new StringContent(Body(stream), Encoding.UTF8, "application/json") };
            request.Headers.Add(Header, _token);
            request.Headers.Add(MessageHandler.VersionHeader, "2023-06-01");
            request.Headers.Add("x-api-key", options.Value.ApiKey ?? "warm-up");
            request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue(stream ? "text/event-stream" : "application/json"));
            using var response = await http.SendAsync(request, HttpCompletionOption.ResponseContentRead, cancellationToken).ConfigureAwait(false);
        }
    }

    private static string Body(bool stream) => $$"""
        {"model":"claude-sonnet-4-20250514","max_tokens":256,"stream":{{(stream ? "true" : "false")}},
         "system":[{"type":"text","text":"You are one expert of a council. Council seat: warm-up. Answer briefly and end with a stance block."}],
         "messages":[{"role":"user","content":"[[sim ttft=0 rate=0 tokens=40]] Should the warm-up finish quickly?"}]}
        """;
}
