using System.Reflection;
using Spectre.Console.Cli;

namespace Consilium.Cli;

/// <summary>
/// Session ids, resume tokens and keys are base64url, so one in 64 starts with '-', which the parser takes for an
/// option ("Short option does not have a valid name"). Before parsing, such a value is joined to its option
/// (<c>--token -x…</c> becomes <c>--token=-x…</c>), and such a session id of <c>resume</c> is passed as the hidden
/// <c>--session=-x…</c>. Nothing else changes.
/// </summary>
public static class CliArguments
{
    /// <summary>The long options that take a value, read from the settings' own <see cref="CommandOptionAttribute"/>s.</summary>
    private static readonly HashSet<string> ValueOptions = [.. typeof(CliArguments).Assembly.GetTypes()
        .Where(type => typeof(CommandSettings).IsAssignableFrom(type))
        .SelectMany(type => type.GetProperties())
        .Select(property => property.GetCustomAttribute<CommandOptionAttribute>())
        .Where(option => option is not null && option.ValueName is not null)
        .SelectMany(option => option!.LongNames.Select(name => "--" + name))];

    public static string[] Normalize(IReadOnlyList<string> args)
    {
        var normalized = new List<string>(args.Count);
        for (var i = 0; i < args.Count; i++)
        {
            var argument = args[i];
            if (ValueOptions.Contains(argument) && i + 1 < args.Count && args[i + 1].StartsWith('-') && !IsOption(args[i + 1]))
            {
                normalized.Add($"{argument}={args[++i]}");
            }
            else if (i == 1 && args[0] == "resume" && argument.StartsWith('-') && !IsOption(argument))
            {
                normalized.Add($"--session={argument}");
            }
            else
            {
                normalized.Add(argument);
            }
        }
        return [.. normalized];
    }

    /// <summary>Looks like an option of ours: <c>--</c> and a lower-case name (a base64url value has upper case, digits, '_' or '-' in it too, or is shorter).</summary>
    private static bool IsOption(string argument) =>
        argument.StartsWith("--", StringComparison.Ordinal) && argument.Length > 2 && (ValueOptions.Contains(argument.Split('=')[0]) || argument[2..].All(c => c is >= 'a' and <= 'z' or '-'));
}
