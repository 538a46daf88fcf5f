using Consilium.Orchestrator.Redis;
using Consilium.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging.Abstractions;

namespace Consilium.Council.Tests;

/// <summary>The orchestrator's own Redis connection, configured as a replica would be, to the fixture's server and key prefix.</summary>
internal static class FixtureRedis
{
    public static RedisConnection Connect(RedisFixture redis) =>
        new(new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["REDIS_URL"] = redis.Url,
                ["REDIS_KEY_PREFIX"] = redis.KeyPrefix,
            }).Build(),
            NullLogger<RedisConnection>.Instance);
}
