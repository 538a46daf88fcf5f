using System.ComponentModel;
using Spectre.Console;
using Spectre.Console.Cli;

namespace Consilium.Cli;

/// <summary>Options every command takes: where the server is and how to authenticate.</summary>
public class ConnectionSettings : CommandSettings
{
    public const string KeyVariable = "CONSILIUM_KEY";
    public const string DefaultUrl = "http://127.0.0.1:8080";

    [CommandOption("--url <URL>")]
    [Description("The gateway's URL (default http://127.0.0.1:8080).")]
    public string Url { get; init; } = DefaultUrl;

    [CommandOption("--key <KEY>")]
    [Description("The bearer secret; default: the CONSILIUM_KEY variable.")]
    public string? Key { get; init; }

    [CommandOption("--cacert <PEM>")]
    [Description("A PEM certificate to trust as the only root for an HTTPS URL (a self-signed edge).")]
    public string? CaCert { get; init; }

    [CommandOption("--json")]
    [Description("Write one JSON object per line (NDJSON) instead of the live view.")]
    public bool Json { get; init; }

    public string? ResolvedKey => string.IsNullOrEmpty(Key) ? Environment.GetEnvironmentVariable(KeyVariable) : Key;

    public override ValidationResult Validate()
    {
        if (!Uri.TryCreate(Url, UriKind.Absolute, out var url) || (url.Scheme != Uri.UriSchemeHttp && url.Scheme != Uri.UriSchemeHttps))
        {
            return ValidationResult.Error($"--url must be an absolute http:// or https:// URL, not '{Url}'.");
        }
        if (CaCert is not null && !File.Exists(CaCert))
        {
            return ValidationResult.Error($"--cacert '{CaCert}' does not exist.");
        }
        return ValidationResult.Success();
    }
}

/// <summary><c>consilium ask "question" [--agents a,b] [--no-synthesis] [--full]</c>.</summary>
public sealed class AskSettings : ConnectionSettings
{
    [CommandArgument(0, "<question>")]
    [Description("The question for the council (1 to 8,000 characters).")]
    public string Question { get; init; } = "";

    [CommandOption("--agents <IDS>")]
    [Description("Comma-separated agent ids to ask (default: all ten).")]
    public string? Agents { get; init; }

    [CommandOption("--no-synthesis")]
    [Description("Skip the synthesis call (the tension map has no axes and no synthesis).")]
    public bool NoSynthesis { get; init; }

    [CommandOption("--full")]
    [Description("Print every agent's full answer at the end.")]
    public bool Full { get; init; }

    public IReadOnlyList<string>? AgentIds =>
        Agents is null ? null : [.. Agents.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)];

    public override ValidationResult Validate()
    {
        if (string.IsNullOrWhiteSpace(Question))
        {
            return ValidationResult.Error("The question is empty: consilium ask \"your question\".");
        }
        if (Agents is not null && AgentIds!.Count == 0)
        {
            return ValidationResult.Error("--agents is empty: give comma-separated agent ids (consilium agents lists them), or leave it out.");
        }
        return base.Validate();
    }
}

/// <summary><c>consilium resume &lt;sessionId&gt; --token &lt;resumeToken&gt;</c>.</summary>
public sealed class ResumeSettings : ConnectionSettings
{
    [CommandArgument(0, "[sessionId]")]
    [Description("The session id (the session event's sessionId, or the Consilium-Session header).")]
    public string? SessionArgument { get; init; }

    /// <summary>A session id that starts with '-', which the parser would take for an option (<see cref="CliArguments"/>).</summary>
    [CommandOption("--session <ID>", IsHidden = true)]
    public string? SessionOption { get; init; }

    public string SessionId => SessionArgument ?? SessionOption ?? "";

    [CommandOption("--token <TOKEN>")]
    [Description("The session's resume token (the session event's resumeToken); not needed with the key.")]
    public string? Token { get; init; }

    [CommandOption("--last-event-id <ID>")]
    [Description("Replay only the events after this id (default 0: all).")]
    public long LastEventId { get; init; }

    [CommandOption("--full")]
    [Description("Print every agent's full answer at the end.")]
    public bool Full { get; init; }

    public override ValidationResult Validate()
    {
        if (string.IsNullOrWhiteSpace(SessionId))
        {
            return ValidationResult.Error("Give the session id: consilium resume <sessionId> --token <resumeToken>.");
        }
        if (LastEventId < 0)
        {
            return ValidationResult.Error("--last-event-id must be 0 or more.");
        }
        return base.Validate();
    }
}
