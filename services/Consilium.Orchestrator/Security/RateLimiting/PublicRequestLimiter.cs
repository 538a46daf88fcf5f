using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.RateLimiting;

namespace Consilium.Orchestrator.Security.RateLimiting;

/// <summary>
/// The public API's limits as the global limiter of ASP.NET's rate-limiting middleware (<c>UseRateLimiter</c>), in the
/// contract's order (docs/api.md#public-api): for a council stream (<c>RequireCouncilStreamSlot()</c>) a slot under the
/// client's open-stream cap (<see cref="CouncilStreamSlots"/>), then the per-minute sliding-window log
/// (<see cref="PublicRateLimiter"/>, in Redis or, degraded, per replica). The stream cap comes first so that a refused
/// stream does not use up the per-minute budget (refused requests are not counted; docs/reliability.md,
/// "Rate-limit counting"). Only requests the public authentication attributed to a client (<see cref="PublicClient"/>)
/// are limited; every admitted and refused one carries the <c>RateLimit-*</c> headers, and <see cref="OnRejectedAsync"/>
/// writes the contract's 429. A stream's slot is the lease, given back when the response ends.
/// </summary>
/// <remarks>
/// The decision needs Redis, so <see cref="AttemptAcquireCore"/> answers "not here" for a public request and the
/// middleware goes on to <see cref="AcquireAsyncCore"/>; nothing is ever queued. The framework offers no hook on an
/// admitted request, so the limiter writes the <c>RateLimit-*</c> headers itself (its resource is the request).
/// </remarks>
public sealed partial class PublicRequestLimiter(
    PublicRateLimiter limiter,
    CouncilStreamSlots streams,
    PublicSecurityOptions options,
    ILogger<PublicRequestLimiter> logger) : PartitionedRateLimiter<HttpContext>
{
    /// <summary>What the rate-limiting middleware is configured with (<c>AddRateLimiter</c>).</summary>
    public void Configure(RateLimiterOptions rateLimiter)
    {
        rateLimiter.GlobalLimiter = this;
        rateLimiter.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
        rateLimiter.OnRejected = OnRejectedAsync;
    }

    public override RateLimiterStatistics? GetStatistics(HttpContext resource) => null;

    protected override RateLimitLease AttemptAcquireCore(HttpContext resource, int permitCount) =>
        resource.GetPublicClient() is null ? Lease.NotLimited : Lease.AskAsync;

    protected override async ValueTask<RateLimitLease> AcquireAsyncCore(HttpContext resource, int permitCount, CancellationToken cancellationToken)
    {
        if (resource.GetPublicClient() is not { } client)
        {
            return Lease.NotLimited;
        }
        IAsyncDisposable? slot = null;
        if (resource.GetEndpoint()?.Metadata.GetMetadata<CouncilStreamSlotMetadata>() is not null)
        {
            slot = await streams.TryAcquireAsync(client.Key, cancellationToken).ConfigureAwait(false);
            if (slot is null)
            {
                LogTooManyStreams(logger, client.Key, streams.Cap);
                return new Refusal(
                    SecurityProblems.TooManyStreams(streams.Cap),
                    (int)CouncilStreamSlots.RenewEvery.TotalSeconds);
            }
        }
        RateLimitDecision decision;
        try
        {
            decision = await limiter.AcquireAsync(client.Key, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            await (slot?.DisposeAsync() ?? ValueTask.CompletedTask).ConfigureAwait(false);
            throw;
        }
        RateLimitHeaders.Write(resource.Response, decision, options.RateLimitWindow);
        if (!decision.Admitted)
        {
            // A refused council stream gives its slot back at once.
            await (slot?.DisposeAsync() ?? ValueTask.CompletedTask).ConfigureAwait(false);
            LogRateLimited(logger, client.Key, decision.Limit);
            return new Refusal(
                SecurityProblems.RateLimited(decision.Limit, options.RateLimitWindow, decision.RetryAfterSeconds),
                decision.RetryAfterSeconds);
        }
        return slot is null ? Lease.Admitted : new Lease(true, slot);
    }

    /// <summary>The contract's 429: <c>Retry-After</c> and the refusal's problem.</summary>
    public static ValueTask OnRejectedAsync(OnRejectedContext context, CancellationToken cancellationToken)
    {
        if (context.Lease is not Refusal refusal)
        {
            return ValueTask.CompletedTask;
        }
        context.HttpContext.Response.Headers.RetryAfter = refusal.RetryAfterSeconds.ToString(CultureInfo.InvariantCulture);
        return new ValueTask(refusal.Problem.ExecuteAsync(context.HttpContext));
    }

    /// <summary>
    /// An acquired lease (<see cref="NotLimited"/>, <see cref="Admitted"/>, or an admitted council stream holding its
    /// slot, given back when the middleware disposes the lease as the response ends), or <see cref="AskAsync"/>.
    /// </summary>
    private sealed class Lease(bool acquired, IAsyncDisposable? slot = null) : RateLimitLease
    {
        public static readonly Lease NotLimited = new(true);
        public static readonly Lease Admitted = new(true);
        public static readonly Lease AskAsync = new(false);

        public override bool IsAcquired => acquired;

        public override IEnumerable<string> MetadataNames => [];

        public override bool TryGetMetadata(string metadataName, out object? metadata)
        {
            metadata = null;
            return false;
        }

        // The middleware disposes synchronously; the release never throws (a failed one is left to expire).
        protected override void Dispose(bool disposing)
        {
            if (slot is not null)
            {
                _ = slot.DisposeAsync().AsTask();
            }
        }
    }

    private sealed class Refusal(IResult problem, int retryAfterSeconds) : RateLimitLease
    {
        public IResult Problem => problem;

        public int RetryAfterSeconds => retryAfterSeconds;

        public override bool IsAcquired => false;

        public override IEnumerable<string> MetadataNames => [MetadataName.RetryAfter.Name];

        public override bool TryGetMetadata(string metadataName, [NotNullWhen(true)] out object? metadata)
        {
            metadata = metadataName == MetadataName.RetryAfter.Name ? TimeSpan.FromSeconds(retryAfterSeconds) : null;
            return metadata is not null;
        }
    }

    [LoggerMessage(EventId = 4003, Level = LogLevel.Information, Message = "Client {Client} is over its limit of {Limit} requests per window")]
    private static partial void LogRateLimited(ILogger logger, string client, int limit);

    [LoggerMessage(EventId = 4004, Level = LogLevel.Information, Message = "Client {Client} already holds {Cap} open council streams")]
    private static partial void LogTooManyStreams(ILogger logger, string client, int cap);
}
