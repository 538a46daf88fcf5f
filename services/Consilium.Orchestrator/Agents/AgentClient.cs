using System.Net;
using System.Net.Http.Headers;
using System.Net.ServerSentEvents;
using System.Runtime.CompilerServices;
using Consilium.Contracts;
using Consilium.Council.Conversations;
using Consilium.Streaming;

namespace Consilium.Orchestrator.Agents;

/// <summary>Calls an agent's internal <c>POST /v1/ask</c> and reads its event stream (docs/api.md#agent-service-internal).</summary>
public sealed partial class AgentClient(HttpClient http, AgentEndpoints endpoints, ILogger<AgentClient> logger)
{
    /// <summary>
    /// Streams one agent's answer. Every sequence ends with exactly one terminal event: the agent's own
    /// <c>done</c> or <c>error</c>, or an <c>error</c> made here when the agent cannot be reached, refuses the call,
    /// or its stream breaks or ends early. Cancelling the token cancels the call to the agent.
    /// </summary>
    /// <remarks><paramref name="history"/> is the agent's own thread in a follow-up round of a conversation.</remarks>
    public IAsyncEnumerable<SseItem<string>> StreamAsync(
        string agentId, string message, string? sessionId, CancellationToken cancellationToken, IReadOnlyList<ThreadTurn>? history = null) =>
        StreamCoreAsync(agentId, message, sessionId, history, SseReader.ReadUntilTerminalAsync, static item => item, cancellationToken);

    /// <summary>
    /// <see cref="StreamAsync"/> with every event's data as the UTF-8 bytes the agent sent, for a hop that forwards
    /// them verbatim (the single-agent route): nothing is decoded, and the bytes go out as they came in.
    /// </summary>
    public IAsyncEnumerable<SseItem<byte[]>> StreamUtf8Async(string agentId, string message, string? sessionId, CancellationToken cancellationToken) =>
        StreamCoreAsync(agentId, message, sessionId, null, SseReader.ReadUtf8UntilTerminalAsync, StreamEvents.Utf8, cancellationToken);

    private async IAsyncEnumerable<SseItem<T>> StreamCoreAsync<T>(
        string agentId,
        string message,
        string? sessionId,
        IReadOnlyList<ThreadTurn>? history,
        Func<Stream, CancellationToken, IAsyncEnumerable<SseItem<T>>> read,
        Func<SseItem<string>, SseItem<T>> own,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        HttpResponseMessage response;
        SseItem<string>? failure = null;
        try
        {
            response = await OpenAsync(agentId, message, sessionId, cancellationToken, history).ConfigureAwait(false);
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
            yield return own(unreachable);
            yield break;
        }

        using (response)
        {
            if (!response.IsSuccessStatusCode)
            {
                LogRefused(agentId, (int)response.StatusCode);
                yield return own(StreamEvents.Error(ErrorCodes.Unavailable, $"Agent '{agentId}' refused the call ({(int)response.StatusCode})."));
                yield break;
            }

            await using var body = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
            await using var events = read(body, cancellationToken).GetAsyncEnumerator(cancellationToken);
            var terminal = false;
            while (true)
            {
                SseItem<T> item;
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
                terminal = SseNames.IsTerminal(item.EventType);
                yield return item;
            }
            if (!terminal)
            {
                cancellationToken.ThrowIfCancellationRequested();
                yield return own(StreamEvents.Error(ErrorCodes.Unavailable, $"Agent '{agentId}' ended its stream before it was complete."));
            }
        }
    }

    /// <summary>Sends the question and returns as soon as the agent's response headers arrive.</summary>
    public async Task<HttpResponseMessage> OpenAsync(
        string agentId, string message, string? sessionId, CancellationToken cancellationToken, IReadOnlyList<ThreadTurn>? history = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(endpoints.BaseUrl(agentId), "v1/ask"))
        {
            Content = JsonContent.Create(new AskRequest(message, sessionId, history is { Count: > 0 } ? history : null), AskJson.Default.AskRequest),
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
