using System.Net;
using System.Net.Http.Headers;
using System.Net.ServerSentEvents;
using System.Runtime.CompilerServices;
using Consilium.Streaming;

namespace Consilium.Orchestrator.Agents;

/// <summary>Calls an agent's internal <c>POST /v1/ask</c> and reads its event stream (CONTRACT §4).</summary>
public sealed partial class AgentClient(HttpClient http, AgentEndpoints endpoints, ILogger<AgentClient> logger)
{
    /// <summary>
    /// Streams one agent's answer. Every sequence ends with exactly one terminal event: the agent's own
    /// <c>done</c> or <c>error</c>, or an <c>error</c> made here when the agent cannot be reached, refuses the call,
    /// or its stream breaks or ends early. Cancelling the token cancels the call to the agent.
    /// </summary>
    public async IAsyncEnumerable<SseItem<string>> StreamAsync(
        string agentId,
        string message,
        string? sessionId,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        HttpResponseMessage response;
        SseItem<string>? failure = null;
        try
        {
            response = await OpenAsync(agentId, message, sessionId, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is HttpRequestException or OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            // OperationCanceledException without our token cancelled: the handler's connect timeout expired.
            LogUnreachable(agentId, ex.Message);
            response = null!;
            failure = StreamEvents.Error(ErrorCodes.Unavailable, $"Agent '{agentId}' could not be reached.");
        }
        if (failure is { } unreachable)
        {
            yield return unreachable;
            yield break;
        }

        using (response)
        {
            if (!response.IsSuccessStatusCode)
            {
                LogRefused(agentId, (int)response.StatusCode);
                yield return StreamEvents.Error(ErrorCodes.Unavailable, $"Agent '{agentId}' refused the call ({(int)response.StatusCode}).");
                yield break;
            }

            await using var body = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
            await using var events = SseReader.ReadUntilTerminalAsync(body, cancellationToken).GetAsyncEnumerator(cancellationToken);
            var terminal = false;
            while (true)
            {
                SseItem<string> item;
                try
                {
                    if (!await events.MoveNextAsync().ConfigureAwait(false))
                    {
                        break;
                    }
                    item = events.Current;
                }
                catch (Exception ex) when (ex is HttpRequestException or IOException && !cancellationToken.IsCancellationRequested)
                {
                    LogBroken(agentId, ex.Message);
                    break;
                }
                terminal = item.EventType is SseNames.Done or SseNames.Error;
                yield return item;
            }
            if (!terminal)
            {
                cancellationToken.ThrowIfCancellationRequested();
                yield return StreamEvents.Error(ErrorCodes.Unavailable, $"Agent '{agentId}' ended its stream before it was complete.");
            }
        }
    }

    /// <summary>Sends the question and returns as soon as the agent's response headers arrive.</summary>
    public async Task<HttpResponseMessage> OpenAsync(string agentId, string message, string? sessionId, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(endpoints.BaseUrl(agentId), "v1/ask"))
        {
            Content = JsonContent.Create(new AskRequest(message, sessionId)),
            Version = HttpVersion.Version11,
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", endpoints.Key(agentId));
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue(SseNames.ContentType));
        return await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Agent {AgentId} could not be reached: {Reason}")]
    private partial void LogUnreachable(string agentId, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Agent {AgentId} refused the call with status {Status}")]
    private partial void LogRefused(string agentId, int status);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Agent {AgentId} stream broke: {Reason}")]
    private partial void LogBroken(string agentId, string reason);
}

/// <summary>The body of the agent's <c>POST /v1/ask</c>.</summary>
public sealed record AskRequest(string Message, string? SessionId);
