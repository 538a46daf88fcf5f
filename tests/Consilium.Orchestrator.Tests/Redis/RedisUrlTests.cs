using Consilium.Orchestrator.Redis;
using Consilium.ServiceDefaults;
using Consilium.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Logging.Abstractions;

namespace Consilium.Orchestrator.Tests.Redis;

public class RedisUrlTests
{
    [Fact]
    public void Parse_UrlWithPasswordAndDatabase_ReadsEveryPart()
    {
        var options = RedisUrl.Parse("redis://:s%40cret@cache.internal:6380/3");
        Assert.Equal("cache.internal:6380", options.EndPoints.Single().ToString()!.Replace("Unspecified/", "", StringComparison.Ordinal));
        Assert.Equal("s@cret", options.Password);
        Assert.Equal(3, options.DefaultDatabase);
        Assert.False(options.Ssl);
    }

    [Fact]
    public void Parse_RedissWithoutPort_UsesTlsAndDefaultPort()
    {
        var options = RedisUrl.Parse("rediss://user:pw@redis.example");
        Assert.True(options.Ssl);
        Assert.Equal("user", options.User);
        Assert.Equal("pw", options.Password);
        Assert.EndsWith(":6379", options.EndPoints.Single().ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_ConfigurationString_PassesThrough()
    {
        var options = RedisUrl.Parse("10.0.0.5:6379,password=x,defaultDatabase=2");
        Assert.Equal("x", options.Password);
        Assert.Equal(2, options.DefaultDatabase);
    }

    [Theory]
    [InlineData("http://redis:6379")]
    [InlineData("redis://host:6379/notanumber")]
    public void Parse_Malformed_NamesTheVariable(string value)
    {
        var error = Assert.Throws<ConfigurationErrorException>(() => RedisUrl.Parse(value));
        Assert.Contains("REDIS_URL", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Redact_HidesThePassword() =>
        Assert.Equal("redis://***@host:1", RedisUrl.Redact("redis://:secret@host:1"));
}

public class RedisConnectionTests(RedisFixture redis) : IClassFixture<RedisFixture>
{
    [Fact]
    public async Task Database_RealRedis_AppliesTheKeyPrefix()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["REDIS_URL"] = redis.Url,
            ["REDIS_KEY_PREFIX"] = redis.KeyPrefix,
        }).Build();
        using var connection = new RedisConnection(configuration, NullLogger<RedisConnection>.Instance);

        await connection.Database!.StringSetAsync("probe", "1", TimeSpan.FromSeconds(30));

        Assert.True(connection.IsConfigured);
        Assert.Equal("1", (string?)await redis.Multiplexer.GetDatabase().StringGetAsync(redis.KeyPrefix + "probe"));
    }

    [Fact]
    public void Constructor_NoRedisUrl_IsInProcess()
    {
        using var connection = new RedisConnection(new ConfigurationBuilder().Build(), NullLogger<RedisConnection>.Instance);
        Assert.False(connection.IsConfigured);
        Assert.Null(connection.Database);
    }
}
