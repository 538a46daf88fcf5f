using System.Net.Http.Headers;
using Consilium.Orchestrator;
using Consilium.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Consilium.Security.Tests.Support;

/// <summary>A real orchestrator on a real socket. By default its agents sit on a closed port, so nothing downstream answers.</summary>
public sealed class OrchestratorHost(IReadOnlyDictionary<string, string?> settings, Action<IServiceCollection>? services = null)
    : KestrelHost<OrchestratorApp>(settings, services)
{
    public const string Secret = "test-public-secret-0123456789abcdefghijklmnop";
    public const string RotatedSecret = "test-rotated-secret-zyxwvutsrqponmlkjihgfedcba";
    public const string InternalKey = "test-internal-key-0123456789abcdefghijklmnopq";
    public const string PublicOrigin = "https://consilium.example";

    /// <summary>The variables every test orchestrator gets; <paramref name="overrides"/> win (a null value removes one).</summary>
    public static Dictionary<string, string?> Settings(IReadOnlyDictionary<string, string?>? overrides = null)
    {
        var settings = new Dictionary<string, string?>
        {
            ["CONSILIUM_SECRET"] = Secret,
            ["INTERNAL_KEY"] = InternalKey,
            ["AGENT_URL_TEMPLATE"] = $"http://127.0.0.1:{ClosedPort.Value}/{{id}}/",
            ["PUBLIC_ORIGIN"] = PublicOrigin,
        };
        foreach (var (key, value) in overrides ?? new Dictionary<string, string?>())
        {
            settings[key] = value;
        }
        return settings;
    }

    /// <summary>Settings for an orchestrator that counts its limits in the Redis at <paramref name="url"/>.</summary>
    public static Dictionary<string, string?> WithRedis(string url, string keyPrefix, IReadOnlyDictionary<string, string?>? overrides = null)
    {
        var settings = Settings(overrides);
        settings["REDIS_URL"] = url;
        settings["REDIS_KEY_PREFIX"] = keyPrefix;
        return settings;
    }

    public HttpClient CreateAuthorizedClient(TimeSpan? timeout = null)
    {
        var client = CreateSocketClient(timeout);
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Secret);
        return client;
    }

    private static readonly Lazy<int> ClosedPort = new(Ports.GetFree);
}
