using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.ServerSentEvents;
using System.Runtime.CompilerServices;
using System.Text.Json;

namespace Consilium.Client;

/// <summary>
/// The public Consilium API over an <see cref="HttpClient"/> whose <see cref="HttpClient.BaseAddress"/> is the gateway
/// (docs/clients.md, "Library"). Council streams resume by themselves after a dropped connection.
/// Give the <see cref="HttpClient"/> an infinite <see cref="HttpClient.Timeout"/> for long councils: the timeout is
/// only applied until the response headers arrive, but a slow start counts.
/// </summary>
public sealed class ConsiliumClient
{
    public const string SessionHeader = "Consilium-Session";
    public const string LastEventIdHeader = "Last-Event-ID";
    private const string EventStream = "text/event-stream";

    private readonly HttpClient _http;
    private readonly ConsiliumClientOptions _options;

    public ConsiliumClient(HttpClient http, ConsiliumClientOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(http);
        if (http.BaseAddress is null)
        {
            throw new ArgumentException("The HttpClient needs a BaseAddress: the gateway's URL, e.g. http://127.0.0.1:8080/.", nameof(http));
        }
        _http = http;
        _options = options ?? new ConsiliumClientOptions();
        if (_options.MaxResumeAttempts < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(options), "MaxResumeAttempts must be 0 or more.");
        }
    }

    /// <summary><c>GET /api/agents</c>: the ten agents in roster order, with their health.</summary>
    public async Task<IReadOnlyList<AgentInfo>> GetAgentsAsync(CancellationToken cancellationToken = default)
    {
        using var request = Request(HttpMethod.Get, "api/agents");
        using var response = await _http.SendAsync(request, cancellationToken).ConfigureAwait(false);
        await EnsureSuccessAsync(response, cancellationToken).ConfigureAwait(false);
        var list = await response.Content.ReadFromJsonAsync(ClientJson.Wire.AgentList, cancellationToken).ConfigureAwait(false);
        return list?.Agents ?? [];
    }

    /// <summary>
    /// <c>POST /api/agent/{agentId}</c>: one agent's answer as it is written — the Anthropic stream events, typed, ending
    /// with <see cref="AgentStreamDoneEvent"/> or <see cref="AgentStreamErrorEvent"/>. Not resumed (the agent stream
    /// has no session); a dropped connection throws.
    /// </summary>
    public async IAsyncEnumerable<AgentEvent> AskAgentAsync(
        string agentId, string message, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(agentId);
        using var request = Request(HttpMethod.Post, $"api/agent/{Uri.EscapeDataString(agentId)}", EventStream);
        request.Content = JsonContent.Create(new AgentQuestion(message), ClientJson.Wire.AgentQuestion);
        using var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
        await EnsureSuccessAsync(response, cancellationToken).ConfigureAwait(false);
        await using var body = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        await foreach (var item in SseParser.Create(body, WireEvents.ParseAgent).EnumerateAsync(cancellationToken).ConfigureAwait(false))
        {
            yield return item.Data;
            if (item.Data.IsTerminal)
            {
                yield break;
            }
        }
    }

    /// <summary>
    /// <c>POST /api/consilium</c>: the council, event by event, from <see cref="SessionEvent"/> to
    /// <see cref="DoneEvent"/> or <see cref="ErrorEvent"/>. When the connection drops, the stream is resumed with
    /// <c>Last-Event-ID</c> and the session's resume token (backing off, at most
    /// <see cref="ConsiliumClientOptions.MaxResumeAttempts"/> tries in a row); every event is yielded once, in order.
    /// An <c>error</c> without an <c>id:</c> (the serving replica's own, not the council's) is resumed from in the same way.
    /// </summary>
    public async IAsyncEnumerable<CouncilEvent> AskCouncilAsync(
        CouncilQuestion question, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(question);
        var request = Request(HttpMethod.Post, "api/consilium", EventStream);
        request.Content = JsonContent.Create(question, ClientJson.Wire.CouncilQuestion);
        // Starting a council is not idempotent: the POST itself is not retried, only the stream it opened.
        var response = await SendStreamAsync(request, cancellationToken).ConfigureAwait(false);
        await foreach (var item in FollowAsync(response, null, null, 0, cancellationToken).ConfigureAwait(false))
        {
            yield return item;
        }
    }

    /// <summary>
    /// <c>GET /api/consilium/sessions/{sessionId}/events</c>: the council's events after <paramref name="lastEventId"/>,
    /// then live to the end, authenticated by the bearer or <paramref name="resumeToken"/>; resumed like
    /// <see cref="AskCouncilAsync"/>. Yields nothing when the council had ended and nothing came after that id.
    /// </summary>
    public async IAsyncEnumerable<CouncilEvent> ResumeCouncilAsync(
        string sessionId, string? resumeToken, long lastEventId = 0, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(sessionId);
        var response = await SendStreamAsync(ResumeRequest(sessionId, resumeToken, lastEventId), cancellationToken).ConfigureAwait(false);
        await foreach (var item in FollowAsync(response, sessionId, resumeToken, lastEventId, cancellationToken).ConfigureAwait(false))
        {
            yield return item;
        }
    }

    /// <summary>
    /// <c>DELETE /api/consilium/sessions/{sessionId}</c>: stops a running council (its stream ends with
    /// <see cref="ErrorEvent"/> code <c>cancelled</c>). Returns false when it had already finished.
    /// </summary>
    public async Task<bool> StopCouncilAsync(string sessionId, string? resumeToken = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(sessionId);
        using var request = Request(HttpMethod.Delete, SessionPath(sessionId, "", resumeToken));
        using var response = await _http.SendAsync(request, cancellationToken).ConfigureAwait(false);
        await EnsureSuccessAsync(response, cancellationToken).ConfigureAwait(false);
        return response.StatusCode != HttpStatusCode.NoContent;
    }

    /// <summary>Reads one response's events and, when it breaks off before a terminal event, the next one's.</summary>
    private async IAsyncEnumerable<CouncilEvent> FollowAsync(
        HttpResponseMessage? response, string? sessionId, string? resumeToken, long lastId, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var failures = 0;
        try
        {
            while (response is not null)
            {
                if (sessionId is null && response.Headers.TryGetValues(SessionHeader, out var ids))
                {
                    sessionId = ids.FirstOrDefault();
                }
                Exception? broke = null;
                await using (var events = ReadAsync(response, cancellationToken).GetAsyncEnumerator(cancellationToken))
                {
                    while (true)
                    {
                        try
                        {
                            if (!await events.MoveNextAsync().ConfigureAwait(false))
                            {
                                break;
                            }
                        }
                        catch (Exception ex) when (IsConnectionLoss(ex, cancellationToken))
                        {
                            broke = ex;
                            break;
                        }
                        var item = events.Current;
                        if (item is ErrorEvent { Id: 0 } replicaError && sessionId is not null)
                        {
                            // An error without an id is the serving replica's own (e.g. its reader lost the event log),
                            // not the council's: the council goes on, so resume from the last id (docs/api.md, resume).
                            broke = new ConsiliumStreamException($"The replica serving the stream failed ({replicaError.Code}: {replicaError.Message}).");
                            break;
                        }
                        if (item.Id > 0 && item.Id <= lastId)
                        {
                            continue; // already yielded before the connection dropped
                        }
                        lastId = Math.Max(lastId, item.Id);
                        if (item is SessionEvent session)
                        {
                            sessionId = session.SessionId;
                            resumeToken ??= session.ResumeToken;
                        }
                        failures = 0;
                        yield return item;
                        if (item.IsTerminal)
                        {
                            yield break;
                        }
                    }
                }
                response.Dispose();
                response = null;
                if (sessionId is null)
                {
                    throw new ConsiliumStreamException("The council stream ended before it named its session, so it cannot be resumed. Ask again.", broke);
                }
                (response, failures) = await ReconnectAsync(sessionId, resumeToken, lastId, failures, broke, cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            response?.Dispose();
        }
    }

    /// <summary>Reconnects with backoff; returns null when the council had ended with nothing after <paramref name="lastId"/>.</summary>
    private async Task<(HttpResponseMessage? Response, int Failures)> ReconnectAsync(
        string sessionId, string? resumeToken, long lastId, int failures, Exception? broke, CancellationToken cancellationToken)
    {
        while (true)
        {
            if (++failures > _options.MaxResumeAttempts)
            {
                throw new ConsiliumStreamException(
                    $"The council stream of session {sessionId} broke off after event {lastId} and {_options.MaxResumeAttempts} reconnects failed. Resume it later with its session id and resume token.",
                    broke);
            }
            _options.OnReconnecting?.Invoke(failures, broke);
            var backoff = TimeSpan.FromTicks(Math.Min(_options.MaxResumeBackoff.Ticks, _options.ResumeBackoff.Ticks << Math.Min(failures - 1, 20)));
            await Task.Delay(backoff, _options.TimeProvider, cancellationToken).ConfigureAwait(false);
            HttpResponseMessage response;
            try
            {
                response = await _http.SendAsync(ResumeRequest(sessionId, resumeToken, lastId), HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (IsConnectionLoss(ex, cancellationToken))
            {
                broke = ex;
                continue;
            }
            if (response.StatusCode == HttpStatusCode.NoContent)
            {
                response.Dispose();
                return (null, failures);
            }
            if (response.IsSuccessStatusCode)
            {
                return (response, failures);
            }
            using (response)
            {
                var problem = await ProblemAsync(response, cancellationToken).ConfigureAwait(false);
                // Overloaded or between replicas: worth another try. Anything else will not get better.
                if ((int)response.StatusCode < 500 && response.StatusCode != HttpStatusCode.TooManyRequests)
                {
                    throw problem;
                }
                broke = problem;
            }
        }
    }

    private async Task<HttpResponseMessage> SendStreamAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        using (request)
        {
            var response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
            try
            {
                await EnsureSuccessAsync(response, cancellationToken).ConfigureAwait(false);
                return response;
            }
            catch
            {
                response.Dispose();
                throw;
            }
        }
    }

    private static async IAsyncEnumerable<CouncilEvent> ReadAsync(HttpResponseMessage response, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        if (response.StatusCode == HttpStatusCode.NoContent)
        {
            yield break;
        }
        await using var body = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        // SseParser keeps the last id for an event without an `id:` line (as the SSE spec's last-event-ID buffer does);
        // the server's ids strictly increase, so an id seen before means the event carried none of its own.
        string? previous = null;
        await foreach (var item in SseParser.Create(body, WireEvents.ParseCouncil).EnumerateAsync(cancellationToken).ConfigureAwait(false))
        {
            var own = item.EventId is { Length: > 0 } eventId && eventId != previous;
            previous = item.EventId;
            yield return own && long.TryParse(item.EventId, NumberStyles.None, CultureInfo.InvariantCulture, out var id)
                ? item.Data with { Id = id }
                : item.Data;
        }
    }

    private HttpRequestMessage ResumeRequest(string sessionId, string? resumeToken, long lastEventId)
    {
        var request = Request(HttpMethod.Get, SessionPath(sessionId, "/events", resumeToken), EventStream);
        if (lastEventId > 0)
        {
            request.Headers.TryAddWithoutValidation(LastEventIdHeader, lastEventId.ToString(CultureInfo.InvariantCulture));
        }
        return request;
    }

    /// <summary>The resume token goes in the query (the server accepts it there in place of the bearer).</summary>
    private static string SessionPath(string sessionId, string suffix, string? resumeToken) =>
        $"api/consilium/sessions/{Uri.EscapeDataString(sessionId)}{suffix}"
        + (string.IsNullOrEmpty(resumeToken) ? "" : $"?resume={Uri.EscapeDataString(resumeToken)}");

    private HttpRequestMessage Request(HttpMethod method, string path, string? accept = null)
    {
        var request = new HttpRequestMessage(method, path);
        if (_options.Secret is { Length: > 0 } secret)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", secret);
        }
        if (accept is not null)
        {
            request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue(accept));
        }
        return request;
    }

    private static bool IsConnectionLoss(Exception exception, CancellationToken cancellationToken) =>
        !cancellationToken.IsCancellationRequested
        && exception is HttpRequestException or IOException or OperationCanceledException;

    private static async Task EnsureSuccessAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        if (!response.IsSuccessStatusCode)
        {
            throw await ProblemAsync(response, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>The problem+json body as an exception; a body that is not one still gives status and reason.</summary>
    private static async Task<ConsiliumApiException> ProblemAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        ProblemBody? problem = null;
        try
        {
            var text = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
            if (text.Length > 0)
            {
                problem = JsonSerializer.Deserialize(text, ClientJson.Wire.ProblemBody);
            }
        }
        catch (JsonException)
        {
        }
        var retryAfter = response.Headers.RetryAfter switch
        {
            { Delta: { } delta } => delta,
            { Date: { } date } => date - DateTimeOffset.UtcNow,
            _ => (TimeSpan?)null,
        };
        return new ConsiliumApiException(
            response.StatusCode,
            problem?.Title ?? response.ReasonPhrase ?? response.StatusCode.ToString(),
            problem?.Detail ?? $"The server answered {(int)response.StatusCode} without a problem description.",
            retryAfter);
    }
}
