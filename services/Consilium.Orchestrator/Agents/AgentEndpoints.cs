using Consilium.Council;

namespace Consilium.Orchestrator.Agents;

/// <summary>
/// Where each agent lives and which internal key it expects: options bound and validated at start-up, read by
/// <see cref="Read"/> from
/// <c>AGENT_URL_TEMPLATE</c> (default <c>http://agent-{id}:8080</c>, <c>{id}</c> replaced by the agent id),
/// <c>AGENT_URLS</c> (<c>id=url,...</c>, overrides the template per agent) and
/// <c>INTERNAL_KEY</c> / <c>INTERNAL_KEY_&lt;AGENTID&gt;</c>.
/// </summary>
public sealed class AgentEndpoints
{
    public const string DefaultTemplate = "http://agent-{id}:8080";

    private readonly Dictionary<string, (Uri BaseUrl, string Key)> _agents = new(StringComparer.Ordinal);

    public static void Read(AgentEndpoints endpoints, IConfiguration configuration)
    {
        var template = configuration["AGENT_URL_TEMPLATE"];
        if (string.IsNullOrWhiteSpace(template))
        {
            template = DefaultTemplate;
        }
        if (!template.Contains("{id}", StringComparison.Ordinal))
        {
            throw new ConfigurationErrorException($"AGENT_URL_TEMPLATE must contain '{{id}}' (got '{template}').");
        }

        var overrides = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var entry in configuration.GetList("AGENT_URLS"))
        {
            var separator = entry.IndexOf('=', StringComparison.Ordinal);
            var id = separator > 0 ? entry[..separator].Trim() : "";
            if (!Roster.TryGet(id, out _))
            {
                throw new ConfigurationErrorException($"AGENT_URLS has an entry '{entry}' that is not '<agent id>=<url>' for one of: {string.Join(", ", Roster.Ids)}.");
            }
            overrides[id] = entry[(separator + 1)..].Trim();
        }

        foreach (var agent in Roster.All)
        {
            var raw = overrides.TryGetValue(agent.Id, out var url) ? url : template.Replace("{id}", agent.Id, StringComparison.Ordinal);
            var variable = overrides.ContainsKey(agent.Id) ? "AGENT_URLS" : "AGENT_URL_TEMPLATE";
            if (!Uri.TryCreate(raw, UriKind.Absolute, out var baseUrl) || (baseUrl.Scheme != Uri.UriSchemeHttp && baseUrl.Scheme != Uri.UriSchemeHttps))
            {
                throw new ConfigurationErrorException($"{variable} gives '{raw}' for agent '{agent.Id}', which is not an absolute http(s) URL.");
            }
            if (!baseUrl.AbsolutePath.EndsWith('/'))
            {
                // Relative paths ("v1/ask", "health") resolve under the base path only when it ends with '/'.
                baseUrl = new UriBuilder(baseUrl) { Path = baseUrl.AbsolutePath + "/" }.Uri;
            }
            var key = configuration.GetInternalKey(agent.Id)
                ?? throw new ConfigurationErrorException($"INTERNAL_KEY (or INTERNAL_KEY_{agent.Id.ToUpperInvariant()}) is required: the key the orchestrator presents to agent '{agent.Id}'.");
            endpoints._agents[agent.Id] = (baseUrl, key);
        }
    }

    public Uri BaseUrl(string agentId) => _agents[agentId].BaseUrl;

    public string Key(string agentId) => _agents[agentId].Key;
}
