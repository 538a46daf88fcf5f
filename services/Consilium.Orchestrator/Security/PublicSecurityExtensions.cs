using System.Security.Cryptography;
using System.Text;

namespace Consilium.Orchestrator.Security;

/// <summary>
/// The public API's auth layers (CONTRACT §3, "Auth, in this order"). Endpoints opt in with
/// <see cref="RequirePublicAuth"/> on their route group.
/// </summary>
public static class PublicSecurityExtensions
{
    public static IHostApplicationBuilder AddPublicSecurity(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSingleton<BearerSecrets>();
        return builder;
    }

    public static RouteGroupBuilder RequirePublicAuth(this RouteGroupBuilder group)
    {
        group.AddEndpointFilter(static async (context, next) =>
        {
            var secrets = context.HttpContext.RequestServices.GetRequiredService<BearerSecrets>();
            if (!secrets.IsAuthorized(context.HttpContext.Request.Headers.Authorization))
            {
                context.HttpContext.Response.Headers.WWWAuthenticate = "Bearer";
                return TypedResults.Problem(
                    statusCode: StatusCodes.Status401Unauthorized,
                    title: "Unauthorized",
                    detail: "Send 'Authorization: Bearer <secret>' with one of the configured CONSILIUM_SECRET values.");
            }
            return await next(context);
        });
        return group;
    }
}

/// <summary>The configured <c>CONSILIUM_SECRET</c> values, compared in constant time.</summary>
public sealed class BearerSecrets
{
    private readonly byte[][] _hashes;

    public BearerSecrets(IConfiguration configuration)
    {
        var secrets = configuration.GetList("CONSILIUM_SECRET");
        if (secrets.Count == 0)
        {
            throw new ConfigurationErrorException("CONSILIUM_SECRET is required: one or more comma-separated bearer secrets for public clients.");
        }
        _hashes = [.. secrets.Select(secret => SHA256.HashData(Encoding.UTF8.GetBytes(secret)))];
    }

    public bool IsAuthorized(string? authorization)
    {
        const string scheme = "Bearer ";
        if (authorization is null || authorization.Length <= scheme.Length
            || !authorization.StartsWith(scheme, StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }
        var token = authorization[scheme.Length..].Trim();
        if (token.Length == 0 || token.Contains(' ', StringComparison.Ordinal) || token.Contains(',', StringComparison.Ordinal))
        {
            return false;
        }
        var presented = SHA256.HashData(Encoding.UTF8.GetBytes(token));
        var match = false;
        foreach (var hash in _hashes)
        {
            match |= CryptographicOperations.FixedTimeEquals(hash, presented);
        }
        return match;
    }
}
