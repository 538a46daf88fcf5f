namespace Consilium.Deploy.Tests.Support;

/// <summary>One Dockerfile instruction: keyword, its arguments (continuation lines joined) and its stage.</summary>
public sealed record DockerInstruction(int Stage, string Keyword, string Arguments)
{
    /// <summary>The words of a shell-form instruction; flags such as <c>--link</c> included.</summary>
    public IReadOnlyList<string> Words => Arguments.Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    /// <summary>A COPY's sources and destination, without its flags.</summary>
    public (IReadOnlyList<string> Sources, string Destination) CopyPaths()
    {
        var paths = Words.Where(word => !word.StartsWith("--", StringComparison.Ordinal)).ToList();
        return (paths[..^1], paths[^1]);
    }

    public bool HasFlag(string prefix) => Words.Any(word => word.StartsWith(prefix, StringComparison.Ordinal));
}

/// <summary>A Dockerfile read into instructions, as BuildKit would split them (comments and blank lines dropped).</summary>
public sealed class Dockerfile
{
    public const string Path = "deploy/docker/Dockerfile";

    private Dockerfile(IReadOnlyList<DockerInstruction> instructions) => Instructions = instructions;

    public static Dockerfile Instance { get; } = Parse(Repository.Read(Path));

    public IReadOnlyList<DockerInstruction> Instructions { get; }

    public IReadOnlyList<DockerInstruction> Stages => [.. Instructions.Where(instruction => instruction.Keyword == "FROM")];

    public List<DockerInstruction> InStage(int stage) => [.. Instructions.Where(instruction => instruction.Stage == stage)];

    public int LastStage => Stages.Count;

    public static Dockerfile Parse(string text)
    {
        var instructions = new List<DockerInstruction>();
        var stage = 0;
        var pending = "";
        foreach (var raw in text.ReplaceLineEndings("\n").Split('\n'))
        {
            var line = raw.Trim();
            if (line.StartsWith('#') || (line.Length == 0 && pending.Length == 0))
            {
                continue;
            }
            if (line.EndsWith('\\'))
            {
                pending += line[..^1] + " ";
                continue;
            }
            line = pending + line;
            pending = "";
            if (line.Length == 0)
            {
                continue;
            }
            var space = line.IndexOf(' ');
            var keyword = (space < 0 ? line : line[..space]).ToUpperInvariant();
            var arguments = space < 0 ? "" : line[(space + 1)..].Trim();
            if (keyword == "FROM")
            {
                stage++;
            }
            instructions.Add(new DockerInstruction(stage, keyword, arguments));
        }
        return new Dockerfile(instructions);
    }

    /// <summary>The instruction's arguments with <c>${NAME}</c> and <c>$NAME</c> replaced from <paramref name="arguments"/>.</summary>
    public static string Substitute(string text, IReadOnlyDictionary<string, string> arguments) =>
        arguments.Aggregate(text, (current, pair) => current.Replace("${" + pair.Key + "}", pair.Value).Replace("$" + pair.Key, pair.Value));
}
