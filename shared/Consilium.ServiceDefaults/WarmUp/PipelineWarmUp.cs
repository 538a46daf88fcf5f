using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Consilium.ServiceDefaults.WarmUp;

/// <summary>
/// The smallest warm-up a service can have without side effects: one <c>GET /alive</c> through its own Kestrel
/// pipeline (connection handling, the HTTP/1.1 parser, every middleware a probe passes, routing, the health JSON
/// writer) before <c>/health</c> reports ready. A probe is never rate-limited, logged as a request or redirected.
/// </summary>
public sealed class PipelineWarmUp(IServer server, IHostApplicationLifetime lifetime, TimeProvider time, ILogger<PipelineWarmUp> logger)
    : StartupWarmUp(server, lifetime, time, logger)
{
    protected override async Task WarmAsync(Uri? loopback, CancellationToken cancellationToken)
    {
        // An in-memory test server has no address; a TLS-only gateway's certificate need not be one this process
        // trusts, and its check is not skipped for a warm-up: both are warmed by their first request instead.
        if (loopback is null || loopback.Scheme != Uri.UriSchemeHttp)
        {
            return;
        }
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        using var response = await http.GetAsync(new Uri(loopback, ServiceDefaultsExtensions.AlivePath), cancellationToken).ConfigureAwait(false);
    }
}
