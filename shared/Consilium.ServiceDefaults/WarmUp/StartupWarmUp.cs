using System.Diagnostics.CodeAnalysis;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Consilium.ServiceDefaults.WarmUp;

/// <summary>
/// Runs a service's own request path once, through its own Kestrel pipeline on loopback, before <c>/health</c>
/// reports ready, so the first real request does not pay for compiling it (docs/benchmarks.md, "Cold start").
/// <c>/alive</c> does not wait for it. A failed warm-up is logged and the service is ready anyway: it only costs time.
/// </summary>
public abstract partial class StartupWarmUp(IServer server, IHostApplicationLifetime lifetime, TimeProvider time, ILogger logger)
    : BackgroundService, IHealthCheck
{
    private readonly TaskCompletionSource _warm = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private string _outcome = "The request path is warm.";

    /// <summary>The service's clock.</summary>
    protected TimeProvider Time { get; } = time;

    /// <summary>The service's lifetime.</summary>
    protected IHostApplicationLifetime Lifetime { get; } = lifetime;

    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        await _warm.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        return HealthCheckResult.Healthy(_outcome);
    }

    /// <summary>Runs the warm-up; <paramref name="loopback"/> is this process's own first address, null on an in-memory test server.</summary>
    protected abstract Task WarmAsync(Uri? loopback, CancellationToken cancellationToken);

    /// <summary>
    /// One <c>GET /alive</c> through this process's own Kestrel pipeline (connection handling, the HTTP/1.1 parser,
    /// every middleware a probe passes, routing, the health JSON writer). A probe is never rate-limited, logged as a
    /// request or redirected. Skipped on an in-memory test server, which has no address, and on a TLS-only listener,
    /// whose certificate need not be one this process trusts (its check is not skipped for a warm-up).
    /// </summary>
    protected static async Task GetAliveAsync(Uri? loopback, CancellationToken cancellationToken)
    {
        if (loopback is null || loopback.Scheme != Uri.UriSchemeHttp)
        {
            return;
        }
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        using var response = await http.GetAsync(new Uri(loopback, ServiceDefaultsExtensions.AlivePath), cancellationToken).ConfigureAwait(false);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            using (Lifetime.ApplicationStarted.Register(() => started.TrySetResult()))
            {
                await started.Task.WaitAsync(stoppingToken).ConfigureAwait(false);
            }
            var begun = Time.GetTimestamp();
            await WarmAsync(LoopbackAddress(), stoppingToken).ConfigureAwait(false);
            LogWarm(logger, (long)Time.GetElapsedTime(begun).TotalMilliseconds);
        }
        catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
        {
            _outcome = $"Warming the request path failed ({ex.GetType().Name}: {ex.Message}); the service is ready anyway.";
            LogWarmUpFailed(logger, ex);
        }
        finally
        {
            _warm.TrySetResult();
        }
    }

    /// <summary>The first plain-HTTP address Kestrel listens on (else its first), with a wildcard host replaced by <c>127.0.0.1</c>.</summary>
    private Uri? LoopbackAddress()
    {
        var addresses = server.Features.Get<IServerAddressesFeature>()?.Addresses;
        var address = addresses?.FirstOrDefault(a => a.StartsWith("http://", StringComparison.OrdinalIgnoreCase)) ?? addresses?.FirstOrDefault();
        if (address is null)
        {
            return null;
        }
        foreach (var wildcard in (string[])["://+", "://*", "://0.0.0.0", "://[::]"])
        {
            address = address.Replace(wildcard, "://127.0.0.1", StringComparison.Ordinal);
        }
        return Uri.TryCreate(address, UriKind.Absolute, out var url) ? url : null;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "The request path is warm after {Milliseconds} ms")]
    private static partial void LogWarm(ILogger logger, long milliseconds);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Warming the request path failed; the service is ready anyway")]
    private static partial void LogWarmUpFailed(ILogger logger, Exception exception);
}

public static class StartupWarmUpExtensions
{
    /// <summary>Runs <typeparamref name="TWarmUp"/> at start-up and makes the readiness check (<c>/health</c>) wait for it.</summary>
    public static IServiceCollection AddStartupWarmUp<[DynamicallyAccessedMembers(DynamicallyAccessedMemberTypes.PublicConstructors)] TWarmUp>(this IServiceCollection services)
        where TWarmUp : StartupWarmUp
    {
        services.AddSingleton<TWarmUp>();
        services.AddHostedService(provider => provider.GetRequiredService<TWarmUp>());
        services.AddHealthChecks().AddCheck<TWarmUp>("warm-up");
        return services;
    }
}
