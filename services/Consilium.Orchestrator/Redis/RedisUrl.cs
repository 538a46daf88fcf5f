using StackExchange.Redis;

namespace Consilium.Orchestrator.Redis;

/// <summary>
/// Reads <c>REDIS_URL</c>: <c>redis://[[user]:password@]host[:port][/db]</c>, <c>rediss://…</c> (TLS), or a
/// StackExchange.Redis configuration string such as <c>host:6379,password=…</c>.
/// </summary>
public static class RedisUrl
{
    public const int DefaultPort = 6379;

    public static ConfigurationOptions Parse(string value)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(value);
        var text = value.Trim();
        if (text.Contains("://", StringComparison.Ordinal))
        {
            return ParseUri(text);
        }
        try
        {
            return ConfigurationOptions.Parse(text);
        }
        catch (ArgumentException ex)
        {
            throw new ConfigurationErrorException($"REDIS_URL is not a redis:// URL or a StackExchange.Redis configuration string: {ex.Message}");
        }
    }

    private static ConfigurationOptions ParseUri(string text)
    {
        if (!Uri.TryCreate(text, UriKind.Absolute, out var uri) || (uri.Scheme != "redis" && uri.Scheme != "rediss") || uri.Host.Length == 0)
        {
            throw new ConfigurationErrorException($"REDIS_URL '{Redact(text)}' is not of the form redis://[:password@]host:port[/db] or rediss://…");
        }
        var options = new ConfigurationOptions { Ssl = uri.Scheme == "rediss" };
        options.EndPoints.Add(uri.Host, uri.Port > 0 ? uri.Port : DefaultPort);
        if (uri.UserInfo.Length > 0)
        {
            var separator = uri.UserInfo.IndexOf(':', StringComparison.Ordinal);
            var user = separator >= 0 ? uri.UserInfo[..separator] : "";
            var password = separator >= 0 ? uri.UserInfo[(separator + 1)..] : uri.UserInfo;
            options.User = user.Length > 0 ? Uri.UnescapeDataString(user) : null;
            options.Password = Uri.UnescapeDataString(password);
        }
        var path = uri.AbsolutePath.Trim('/');
        if (path.Length > 0)
        {
            if (!int.TryParse(path, out var database) || database < 0)
            {
                throw new ConfigurationErrorException($"REDIS_URL has '/{path}' where a database number belongs.");
            }
            options.DefaultDatabase = database;
        }
        return options;
    }

    /// <summary>The URL with any password replaced, for logs and errors.</summary>
    public static string Redact(string value)
    {
        var at = value.IndexOf('@', StringComparison.Ordinal);
        var scheme = value.IndexOf("://", StringComparison.Ordinal);
        return at > scheme && scheme >= 0 ? value[..(scheme + 3)] + "***" + value[at..] : value;
    }
}
