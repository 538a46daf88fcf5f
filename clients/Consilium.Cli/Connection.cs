using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using Consilium.Client;

namespace Consilium.Cli;

/// <summary>The <see cref="ConsiliumClient"/> a command talks through.</summary>
public static class Connection
{
    public static (HttpClient Http, ConsiliumClient Client) Create(ConnectionSettings settings, Action<int, Exception?>? onReconnecting = null)
    {
        var handler = new SocketsHttpHandler { ConnectTimeout = TimeSpan.FromSeconds(10) };
        if (settings.CaCert is { } path)
        {
            // Exactly this certificate is the trust anchor; the chain and the host name are still checked.
            var anchor = X509Certificate2.CreateFromPem(File.ReadAllText(path));
            var policy = new X509ChainPolicy
            {
                TrustMode = X509ChainTrustMode.CustomRootTrust,
                RevocationMode = X509RevocationMode.NoCheck,
            };
            policy.CustomTrustStore.Add(anchor);
            handler.SslOptions = new SslClientAuthenticationOptions { CertificateChainPolicy = policy };
        }
        var url = settings.Url.EndsWith('/') ? settings.Url : settings.Url + "/";
        var http = new HttpClient(handler) { BaseAddress = new Uri(url), Timeout = Timeout.InfiniteTimeSpan };
        var client = new ConsiliumClient(http, new ConsiliumClientOptions
        {
            Secret = settings.ResolvedKey,
            OnReconnecting = onReconnecting,
        });
        return (http, client);
    }
}
