using System.Collections.Concurrent;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Consilium.Security.Tests.Support;

/// <summary>
/// Records every request a hosted service receives — method, path, every header and the body — before the service
/// itself sees it, so a test can show what reached that service and what never did.
/// </summary>
public sealed class RequestCapture
{
    public ConcurrentQueue<CapturedRequest> Requests { get; } = new();

    /// <summary>Registers the recording in a host's services (first in its pipeline).</summary>
    public void AddTo(IServiceCollection services) => services.AddSingleton<IStartupFilter>(new Filter(this));

    private sealed class Filter(RequestCapture capture) : IStartupFilter
    {
        public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
        {
            app.Use(async (context, following) =>
            {
                context.Request.EnableBuffering();
                using var reader = new StreamReader(context.Request.Body, Encoding.UTF8, leaveOpen: true);
                var body = await reader.ReadToEndAsync(context.RequestAborted);
                context.Request.Body.Position = 0;
                capture.Requests.Enqueue(new CapturedRequest(
                    context.Request.Method,
                    context.Request.Path + context.Request.QueryString,
                    context.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase),
                    body));
                await following(context);
            });
            next(app);
        };
    }
}

public sealed record CapturedRequest(string Method, string PathAndQuery, IReadOnlyDictionary<string, string> Headers, string Body)
{
    /// <summary>The whole request as text, to search for a secret anywhere in it.</summary>
    public string AllText => $"{Method} {PathAndQuery}\n{string.Join("\n", Headers.Select(h => $"{h.Key}: {h.Value}"))}\n\n{Body}";
}
