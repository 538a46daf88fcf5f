namespace Consilium.Local.Topology;

/// <summary>
/// What each local service gets on its own: its telemetry name (the process name, so the dashboard tells the ten
/// agents apart) and any variables given for it alone.
/// </summary>
public static class ServiceTelemetry
{
    public static ServiceSpec Tailor(ServiceSpec spec, IReadOnlyDictionary<string, IReadOnlyDictionary<string, string?>> perService)
    {
        var environment = new Dictionary<string, string?>(spec.Environment) { ["OTEL_SERVICE_NAME"] = spec.Name };
        if (perService.TryGetValue(spec.Name, out var own))
        {
            foreach (var (name, value) in own)
            {
                environment[name] = value;
            }
        }
        return spec with { Environment = environment };
    }
}
