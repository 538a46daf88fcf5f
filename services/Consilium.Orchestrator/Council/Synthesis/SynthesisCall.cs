using System.Text;
using Consilium.Anthropic;
using Consilium.Council.Synthesis;
using Consilium.Streaming;
using Microsoft.Extensions.Options;

namespace Consilium.Orchestrator.Council.Synthesis;

/// <summary>
/// The council's "11th worker": one call to the model (the same upstream and <c>CONSILIUM_MODELS</c> chain the agents
/// use) with the stances, its text handed on as it is written. A model that fails before any text is replaced by the
/// next; after text, or past <c>COUNCIL_SYNTHESIS_TIMEOUT</c>, the call fails and the outcome has no text.
/// Validating the answer is <see cref="SynthesisResult"/>'s job.
/// </summary>
public sealed partial class SynthesisCall(
    AnthropicClient client,
    IOptions<CouncilOptions> options,
    TimeProvider time,
    ILogger<SynthesisCall> logger)
{
    public async Task<SynthesisOutcome> RunAsync(
        string question,
        IReadOnlyList<SynthesisStance> stances,
        Func<string, ValueTask> onText,
        CancellationToken cancellationToken)
    {
        using var deadline = new CancellationTokenSource(options.Value.SynthesisTimeout, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, deadline.Token);
        var token = linked.Token;
        var request = new MessagesRequest(
            Model: "",
            MaxTokens: SynthesisPrompt.MaxTokens,
            Stream: true,
            System: [new SystemBlock("text", SynthesisPrompt.System, CacheControl.Ephemeral)],
            Messages: [new InputMessage("user", SynthesisPrompt.UserMessage(question, stances))],
            Metadata: null);
        var attempts = new List<ModelUsage>();
        var text = new StringBuilder();
        try
        {
            foreach (var model in client.Upstream.Models)
            {
                var finished = await AttemptAsync(request with { Model = model }, text, attempts, onText, token).ConfigureAwait(false);
                if (finished)
                {
                    return new SynthesisOutcome(text.ToString(), model, attempts);
                }
                if (text.Length > 0)
                {
                    break;
                }
            }
        }
        catch (OperationCanceledException) when (deadline.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            LogTimedOut(options.Value.SynthesisTimeout.TotalSeconds);
        }
        return new SynthesisOutcome(null, null, attempts);
    }

    /// <summary>One model; returns true when its stream ended with <c>message_stop</c>.</summary>
    private async Task<bool> AttemptAsync(
        MessagesRequest request, StringBuilder text, List<ModelUsage> attempts, Func<string, ValueTask> onText, CancellationToken token)
    {
        var usage = Usage.Zero;
        try
        {
            using var response = await client.SendAsync(request, token).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
            {
                LogFailed(request.Model, $"HTTP {(int)response.StatusCode}");
                return false;
            }
            var body = await response.Content.ReadAsStreamAsync(token).ConfigureAwait(false);
            await foreach (var item in SseReader.ReadAsync(body, token).ConfigureAwait(false))
            {
                var streamEvent = AnthropicStreamEvent.Parse(item.EventType, item.Data);
                if (streamEvent.Type == AnthropicEventNames.MessageStart)
                {
                    usage = streamEvent.Usage is { } start ? Usage.From(start) : Usage.Zero;
                }
                else if (streamEvent.Usage is { } delta)
                {
                    usage = usage.Update(delta);
                }
                if (streamEvent.Type == AnthropicEventNames.Error)
                {
                    LogFailed(request.Model, $"in-stream error {streamEvent.ErrorType}: {streamEvent.ErrorMessage}");
                    return false;
                }
                if (streamEvent.Text is { Length: > 0 } fragment)
                {
                    text.Append(fragment);
                    await onText(fragment).ConfigureAwait(false);
                }
                if (streamEvent.Type == AnthropicEventNames.MessageStop)
                {
                    return true;
                }
            }
            LogFailed(request.Model, "the stream ended before message_stop");
            return false;
        }
        catch (Exception ex) when (ex is HttpRequestException or IOException && !token.IsCancellationRequested)
        {
            LogFailed(request.Model, ex.Message);
            return false;
        }
        finally
        {
            if (usage != Usage.Zero)
            {
                attempts.Add(new ModelUsage(request.Model, usage));
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Synthesis call to model {Model} failed: {Reason}")]
    private partial void LogFailed(string model, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Synthesis call took longer than {Seconds} s (COUNCIL_SYNTHESIS_TIMEOUT); the map is sent without it")]
    private partial void LogTimedOut(double seconds);
}

/// <summary>Usage of one model call.</summary>
public readonly record struct ModelUsage(string Model, Usage Usage);

/// <summary>The synthesis call's complete text (<c>null</c> when it failed) and what it used.</summary>
public sealed record SynthesisOutcome(string? Text, string? Model, IReadOnlyList<ModelUsage> Attempts);
