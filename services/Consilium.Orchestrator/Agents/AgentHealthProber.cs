using Consilium.Council;
using Microsoft.Extensions.Options;

namespace Consilium.Orchestrator.Agents;

/// <summary>Calls every agent's <c>/health</c> at start and then every <see cref="AgentHealthOptions.Interval"/>.</summary>
public sealed partial class AgentHealthProber(
    IHttpClientFactory clients,
    AgentEndpoints endpoints,
    AgentHealth health,
    IOptions<AgentHealthOptions> options,
    TimeProvider time,
    ILogger<AgentHealthProber> logger) : BackgroundService
{
    public const string ClientName = "agent-health";

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.Interval, time);
        try
        {
            do
            {
                await ProbeAllAsync(stoppingToken).ConfigureAwait(false);
            }
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }

    public Task ProbeAllAsync(CancellationToken cancellationToken) =>
        Task.WhenAll(Roster.Ids.Select(id => ProbeAsync(id, cancellationToken)));

    private async Task ProbeAsync(string agentId, CancellationToken cancellationToken)
    {
        using var timeout = new CancellationTokenSource(options.Value.Timeout, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
        bool healthy;
        string reason;
        try
        {
            using var response = await clients.CreateClient(ClientName)
                .GetAsync(new Uri(endpoints.BaseUrl(agentId), "health"), linked.Token)
                .ConfigureAwait(false);
            healthy = response.IsSuccessStatusCode;
            reason = $"status {(int)response.StatusCode}";
        }
        catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            healthy = false;
            reason = ex is OperationCanceledException ? $"no answer within {options.Value.Timeout.TotalSeconds:0.#} s" : ex.Message;
        }

        if (health.Report(agentId, healthy))
        {
            if (healthy)
            {
                LogHealthy(agentId);
            }
            else
            {
                LogUnhealthy(agentId, reason);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Agent {AgentId} is healthy")]
    private partial void LogHealthy(string agentId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Agent {AgentId} is unhealthy: {Reason}")]
    private partial void LogUnhealthy(string agentId, string reason);
}
