namespace Consilium.Gateway.Proxy;

/// <summary>
/// The orchestrator replicas the gateway balances over: <c>ORCHESTRATOR_URLS</c>, comma-separated. Options bound and
/// validated at start-up: a malformed entry stops the gateway with one line naming the variable.
/// </summary>
public sealed class OrchestratorUrls
{
    public const string Variable = "ORCHESTRATOR_URLS";
    public const string Default = "http://orchestrator:8080";

    public IReadOnlyList<Uri> Urls { get; set; } = [];

    /// <summary>Reads and checks the variable; a malformed entry is a <see cref="ConfigurationErrorException"/> naming it.</summary>
    public static void Read(OrchestratorUrls options, IConfiguration configuration)
    {
        var entries = configuration.GetList(Variable);
        if (entries.Count == 0)
        {
            entries = [Default];
        }

        var urls = new List<Uri>();
        foreach (var entry in entries)
        {
            if (!Uri.TryCreate(entry, UriKind.Absolute, out var url)
                || (url.Scheme != Uri.UriSchemeHttp && url.Scheme != Uri.UriSchemeHttps)
                || url.Query.Length > 0 || url.Fragment.Length > 0 || url.UserInfo.Length > 0)
            {
                throw new ConfigurationErrorException(
                    $"{Variable} has '{entry}', which is not an absolute http(s) URL like {Default} (comma-separate several replicas).");
            }
            if (!urls.Contains(url))
            {
                urls.Add(url);
            }
        }
        options.Urls = urls;
    }
}
