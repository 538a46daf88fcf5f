namespace Consilium.Testing;

/// <summary>
/// Flat settings (docs/configuration.md) for services hosted in the test process with <see cref="ServiceHost{TApp}"/>: fast and
/// self-contained. An empty value hides what the test machine's environment may set, so no real API key, Redis or
/// simulator fault leaks in.
/// </summary>
public static class ServiceSettings
{
    /// <summary>The model simulator, fast (5 ms to the first token, 2000 tokens/s) unless a request's directive says otherwise.</summary>
    public static Dictionary<string, string?> FastSimulator() => new()
    {
        ["SIM_TTFT_MS"] = "5",
        ["SIM_TOKENS_PER_SECOND"] = "2000",
        ["SIM_FAULTS"] = "",
        ["SIM_API_KEY"] = "",
    };

    /// <summary>The agent in seat <paramref name="agentId"/>, asking the simulator at <paramref name="simulator"/> with the default model chain.</summary>
    public static Dictionary<string, string?> Agent(string agentId, string internalKey, Uri simulator) => new()
    {
        ["AGENT_ID"] = agentId,
        ["INTERNAL_KEY"] = internalKey,
        // Tests share one agent process and inject model faults on purpose: the per-model circuit would carry one test's
        // failures into the next. The circuit breaker's own tests turn it on.
        ["MODEL_CIRCUIT_BREAK"] = "off",
        ["ANTHROPIC_API_KEY"] = "",
        ["ANTHROPIC_BASE_URL"] = "",
        ["MODEL_SIMULATOR_URL"] = simulator.AbsoluteUri,
        ["CONSILIUM_MODELS"] = "",
    };

    /// <summary>
    /// The orchestrator with these agents (<c>AGENT_URLS</c>), its synthesis call on the simulator, in-process stores,
    /// default prices, no CORS origins and limits no test reaches.
    /// </summary>
    public static Dictionary<string, string?> Orchestrator(string secret, string internalKey, IReadOnlyDictionary<string, Uri> agents, Uri simulator) => new()
    {
        ["CONSILIUM_SECRET"] = secret,
        ["INTERNAL_KEY"] = internalKey,
        ["AGENT_URLS"] = string.Join(",", agents.Select(agent => $"{agent.Key}={agent.Value.AbsoluteUri}")),
        ["ANTHROPIC_API_KEY"] = "",
        ["ANTHROPIC_BASE_URL"] = "",
        ["MODEL_SIMULATOR_URL"] = simulator.AbsoluteUri,
        ["CONSILIUM_MODELS"] = "",
        ["CONSILIUM_PRICING"] = "",
        ["REDIS_URL"] = "",
        ["RATE_LIMIT_PER_MINUTE"] = "100000",
        ["COUNCIL_STREAMS_PER_CLIENT"] = "1000",
        ["ALLOWED_ORIGINS"] = "",
    };

    /// <summary>Changes <paramref name="settings"/> by <paramref name="overrides"/> (a null value hides a variable) and returns it.</summary>
    public static Dictionary<string, string?> With(this Dictionary<string, string?> settings, params (string Name, string? Value)[] overrides)
    {
        foreach (var (name, value) in overrides)
        {
            settings[name] = value;
        }
        return settings;
    }
}
