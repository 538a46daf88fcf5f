using System.Diagnostics.CodeAnalysis;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Consilium.ModelSimulator.Faults;
using Consilium.ModelSimulator.Generation;

namespace Consilium.ModelSimulator.Messages;

/// <summary>
/// Validates a Messages API body the way the real API does (same fields required, same <c>invalid_request_error</c>
/// wording style) and reads it into a <see cref="MessageRequest"/>.
/// </summary>
public static partial class MessageRequestParser
{
    [GeneratedRegex(@"Council seat:\s*(?<id>[A-Za-z0-9_-]+)", RegexOptions.CultureInvariant)]
    private static partial Regex SeatLine();

    public static bool TryParse(JsonElement root, [NotNullWhen(true)] out MessageRequest? request, [NotNullWhen(false)] out string? error)
    {
        request = null;
        if (root.ValueKind != JsonValueKind.Object)
        {
            error = "The request body must be a JSON object.";
            return false;
        }
        if (!root.TryGetProperty("model", out var modelElement))
        {
            error = "model: Field required";
            return false;
        }
        if (modelElement.ValueKind != JsonValueKind.String || string.IsNullOrWhiteSpace(modelElement.GetString()))
        {
            error = "model: Input should be a valid string";
            return false;
        }
        if (!root.TryGetProperty("max_tokens", out var maxElement))
        {
            error = "max_tokens: Field required";
            return false;
        }
        if (maxElement.ValueKind != JsonValueKind.Number || !maxElement.TryGetInt32(out var maxTokens))
        {
            error = "max_tokens: Input should be a valid integer";
            return false;
        }
        if (maxTokens < 1)
        {
            error = "max_tokens: Input should be greater than or equal to 1";
            return false;
        }
        if (!root.TryGetProperty("messages", out var messages))
        {
            error = "messages: Field required";
            return false;
        }
        if (messages.ValueKind != JsonValueKind.Array)
        {
            error = "messages: Input should be a valid list";
            return false;
        }
        if (messages.GetArrayLength() == 0)
        {
            error = "messages: at least one message is required";
            return false;
        }
        var stream = false;
        if (root.TryGetProperty("stream", out var streamElement))
        {
            if (streamElement.ValueKind is not (JsonValueKind.True or JsonValueKind.False))
            {
                error = "stream: Input should be a valid boolean";
                return false;
            }
            stream = streamElement.GetBoolean();
        }

        var prompt = new List<PromptBlock>();
        if (!TryReadTools(root, prompt, out error)
            || !TryReadSystem(root, prompt, out var systemText, out var systemCached, out error)
            || !TryReadMessages(messages, prompt, out var canonical, out var question, out var earlier, out var turns, out var directives, out error)
            || !TryReadStopSequences(root, out var stopSequences, out error))
        {
            return false;
        }

        var model = modelElement.GetString()!;
        var seat = SeatLine().Match(systemText) is { Success: true } match ? match.Groups["id"].Value.ToLowerInvariant() : null;
        request = new MessageRequest
        {
            Model = model,
            MaxTokens = maxTokens,
            Stream = stream,
            SystemText = systemText,
            SystemHasCacheControl = systemCached,
            Seat = seat,
            Question = question,
            EarlierQuestions = earlier,
            Turns = turns,
            TextDirectives = directives,
            Prompt = prompt,
            StopSequences = stopSequences,
            Hash = StableHash.Hex(model, systemText, canonical),
        };
        return true;
    }

    private static bool TryReadTools(JsonElement root, List<PromptBlock> prompt, [NotNullWhen(false)] out string? error)
    {
        error = null;
        if (!root.TryGetProperty("tools", out var tools) || tools.ValueKind == JsonValueKind.Null)
        {
            return true;
        }
        if (tools.ValueKind != JsonValueKind.Array)
        {
            error = "tools: Input should be a valid list";
            return false;
        }
        foreach (var tool in tools.EnumerateArray())
        {
            prompt.Add(new PromptBlock(tool.GetRawText(), HasCacheControl(tool)));
        }
        return true;
    }

    private static bool TryReadSystem(JsonElement root, List<PromptBlock> prompt, out string text, out bool cached, [NotNullWhen(false)] out string? error)
    {
        text = "";
        cached = false;
        error = null;
        if (!root.TryGetProperty("system", out var system) || system.ValueKind == JsonValueKind.Null)
        {
            return true;
        }
        if (system.ValueKind == JsonValueKind.String)
        {
            text = system.GetString()!;
            prompt.Add(new PromptBlock(text, false));
            return true;
        }
        if (system.ValueKind != JsonValueKind.Array)
        {
            error = "system: Input should be a valid string or a list of text blocks";
            return false;
        }
        var parts = new List<string>();
        var index = 0;
        foreach (var block in system.EnumerateArray())
        {
            if (block.ValueKind != JsonValueKind.Object || StringProperty(block, "type") != "text"
                || StringProperty(block, "text") is not { } blockText)
            {
                error = $"system.{index}: Input should be a text block ({{\"type\":\"text\",\"text\":\"…\"}})";
                return false;
            }
            var marked = HasCacheControl(block);
            cached |= marked;
            parts.Add(blockText);
            prompt.Add(new PromptBlock(blockText, marked));
            index++;
        }
        text = string.Join("\n\n", parts);
        return true;
    }

    private static bool TryReadMessages(
        JsonElement messages, List<PromptBlock> prompt, out string canonical, out string question, out IReadOnlyList<string> earlier,
        out IReadOnlyList<MessageTurn> turns, out IReadOnlyList<SimDirective> directives, [NotNullWhen(false)] out string? error)
    {
        var builder = new StringBuilder();
        var users = new List<string>();
        var all = new List<MessageTurn>();
        turns = all;
        question = "";
        directives = [];
        error = null;
        var count = messages.GetArrayLength();
        var index = 0;
        foreach (var message in messages.EnumerateArray())
        {
            var role = message.ValueKind == JsonValueKind.Object ? StringProperty(message, "role") : null;
            if (role is not ("user" or "assistant"))
            {
                error = $"messages.{index}.role: Input should be 'user' or 'assistant'";
                break;
            }
            if (!message.TryGetProperty("content", out var content))
            {
                error = $"messages.{index}.content: Field required";
                break;
            }
            if (!TryReadContent(content, prompt, out var text))
            {
                error = $"messages.{index}.content: Input should be a valid string or a list of content blocks";
                break;
            }
            // Directives count only in the final user turn; older turns (and a final assistant prefill) just lose them.
            var last = role == "user" && index == count - 1;
            if (!DirectiveParser.TryExtract(text, out var stripped, out var found, out var directiveError))
            {
                if (last)
                {
                    error = $"messages.{index}.content: bad [[sim]] directive: {directiveError}";
                    break;
                }
                stripped = text;
            }
            if (role == "user")
            {
                users.Add(stripped);
                question = stripped;
                if (last)
                {
                    directives = found;
                }
            }
            all.Add(new MessageTurn(role, stripped));
            builder.Append(role).Append('\n').Append(stripped).Append('\n');
            index++;
        }
        canonical = builder.ToString();
        earlier = users.Count > 1 ? users.GetRange(0, users.Count - 1) : [];
        return error is null;
    }

    private static bool TryReadContent(JsonElement content, List<PromptBlock> prompt, out string text)
    {
        text = "";
        if (content.ValueKind == JsonValueKind.String)
        {
            text = content.GetString()!;
            prompt.Add(new PromptBlock(text, false));
            return true;
        }
        if (content.ValueKind != JsonValueKind.Array)
        {
            return false;
        }
        var texts = new List<string>();
        foreach (var block in content.EnumerateArray())
        {
            if (block.ValueKind != JsonValueKind.Object || StringProperty(block, "type") is not { } type)
            {
                return false;
            }
            if (type == "text" && StringProperty(block, "text") is { } blockText)
            {
                texts.Add(blockText);
                prompt.Add(new PromptBlock(blockText, HasCacheControl(block)));
            }
            else
            {
                prompt.Add(new PromptBlock(block.GetRawText(), HasCacheControl(block)));
            }
        }
        text = string.Join("\n", texts);
        return true;
    }

    private static bool TryReadStopSequences(JsonElement root, out IReadOnlyList<string> stops, [NotNullWhen(false)] out string? error)
    {
        stops = [];
        error = null;
        if (!root.TryGetProperty("stop_sequences", out var element) || element.ValueKind == JsonValueKind.Null)
        {
            return true;
        }
        if (element.ValueKind != JsonValueKind.Array || element.EnumerateArray().Any(s => s.ValueKind != JsonValueKind.String))
        {
            error = "stop_sequences: Input should be a valid list of strings";
            return false;
        }
        stops = [.. element.EnumerateArray().Select(s => s.GetString()!).Where(s => s.Length > 0)];
        return true;
    }

    private static bool HasCacheControl(JsonElement block) =>
        block.ValueKind == JsonValueKind.Object
        && block.TryGetProperty("cache_control", out var control)
        && control.ValueKind == JsonValueKind.Object;

    private static string? StringProperty(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
}
