namespace Consilium.Gateway.Proxy;

/// <summary>The orchestrator replicas the gateway balances over: <c>ORCHESTRATOR_URLS</c>, comma-separated.</summary>
public static class OrchestratorUrls
{
    public const string Variable = "ORCHESTRATOR_URLS";
    public const string Default = "http://orchestrator:8080";

    /// <summary>Reads and checks the variable; a malformed entry is a <see cref="ConfigurationErrorException"/> naming it.</summary>
    public static IReadOnlyList<Uri> Read(IConfiguration configuration)
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
        return urls;
    }
}
