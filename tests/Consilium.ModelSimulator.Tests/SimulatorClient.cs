using System.Net.Http.Json;
using System.Net.ServerSentEvents;
using System.Text;
using System.Text.Json;
using Consilium.ModelSimulator.Observability;
using Consilium.Streaming;

namespace Consilium.ModelSimulator.Tests;

/// <summary>Talks to a running simulator the way an agent does, and reads its observability endpoints.</summary>
public sealed class SimulatorClient(HttpClient http) : IDisposable
{
    public const string Version = "2023-06-01";

    public HttpClient Http => http;

    public async Task<HttpResponseMessage> PostAsync(
        string json, IReadOnlyDictionary<string, string>? headers = null, bool version = true, CancellationToken cancellationToken = default)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "v1/messages")
        {
            Content = new StringContent(json, Encoding.UTF8, "application/json"),
        };
        if (version)
        {
            request.Headers.Add("anthropic-version", Version);
        }
        if (headers?.ContainsKey("x-api-key") != true)
        {
            request.Headers.Add("x-api-key", "test-key");
        }
        foreach (var (name, value) in headers ?? new Dictionary<string, string>())
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }
        return await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
    }

    /// <summary>Posts a streaming request and reads every event until the stream ends (or the connection drops).</summary>
    public async Task<StreamReply> StreamAsync(string json, IReadOnlyDictionary<string, string>? headers = null, CancellationToken cancellationToken = default)
    {
        using var response = await PostAsync(json, headers, cancellationToken: cancellationToken);
        var events = new List<SseItem<string>>();
        Exception? failure = null;
        if (response.IsSuccessStatusCode)
        {
            try
            {
                await using var body = await response.Content.ReadAsStreamAsync(cancellationToken);
                await foreach (var item in SseReader.ReadAsync(body, cancellationToken))
                {
                    events.Add(item);
                }
            }
            catch (Exception ex) when (ex is IOException or HttpRequestException)
            {
                failure = ex;
            }
        }
        return new StreamReply(response, events, failure);
    }

    public async Task<JsonDocument> PostJsonAsync(string json, IReadOnlyDictionary<string, string>? headers = null, CancellationToken cancellationToken = default)
    {
        using var response = await PostAsync(json, headers, cancellationToken: cancellationToken);
        var body = await response.Content.ReadAsStringAsync(cancellationToken);
        Assert.True(response.IsSuccessStatusCode, $"{(int)response.StatusCode}: {body}");
        return JsonDocument.Parse(body);
    }

    /// <summary>The non-streamed answer's text.</summary>
    public async Task<string> AnswerAsync(string json, CancellationToken cancellationToken = default)
    {
        using var document = await PostJsonAsync(json, cancellationToken: cancellationToken);
        return document.RootElement.GetProperty("content")[0].GetProperty("text").GetString()!;
    }

    public async Task<IReadOnlyList<RequestRecord>> RequestsAsync(CancellationToken cancellationToken = default) =>
        await http.GetFromJsonAsync<List<RequestRecord>>("sim/requests", cancellationToken) ?? [];

    /// <summary>Polls <c>/sim/requests</c> until the request has ended (or the deadline passes).</summary>
    public async Task<RequestRecord> WaitForEndAsync(string requestId, CancellationToken cancellationToken = default)
    {
        var deadline = DateTimeOffset.UtcNow + TimeSpan.FromSeconds(10);
        RequestRecord? record = null;
        while (DateTimeOffset.UtcNow < deadline)
        {
            record = (await RequestsAsync(cancellationToken)).FirstOrDefault(r => r.Id == requestId);
            if (record?.Outcome is not null)
            {
                return record;
            }
            await Task.Delay(20, cancellationToken);
        }
        Assert.Fail($"request {requestId} did not end within 10 s; last seen: {JsonSerializer.Serialize(record)}");
        return null!;
    }

    public void Dispose() => http.Dispose();
}

public sealed record StreamReply(HttpResponseMessage Response, IReadOnlyList<SseItem<string>> Events, Exception? Failure)
{
    public string RequestId => Response.Headers.GetValues("request-id").Single();

    public IEnumerable<JsonElement> Data => Events.Select(e => JsonDocument.Parse(e.Data).RootElement);

    public IReadOnlyList<string> Deltas =>
        [.. Data.Where(d => d.GetProperty("type").GetString() == "content_block_delta")
            .Select(d => d.GetProperty("delta").GetProperty("text").GetString()!)];

    public string Text => string.Concat(Deltas);

    public IReadOnlyList<string> EventTypes => [.. Events.Select(e => e.EventType)];
}
