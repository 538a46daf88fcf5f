using System.Globalization;

namespace Consilium.Testing;

/// <summary>
/// nginx from the machine's packages with a configuration of the caller's own, written into a temporary directory:
/// one worker, no access log, every temporary path inside that directory (so nginx needs no writable system path).
/// The end-to-end tests put it in front of the gateway as a TLS ingress; the benchmark uses it as its proxy yardstick.
/// </summary>
public static class NginxConfig
{
    /// <summary>How to get nginx when it is missing (Debian's package).</summary>
    public const string InstallHint = "apt-get install -y nginx-light (or nginx)";

    private static readonly string[] Candidates = ["/usr/sbin/nginx", "/usr/bin/nginx", "/usr/local/sbin/nginx", "/usr/local/nginx/sbin/nginx"];

    /// <summary>The nginx binary, or <c>null</c> when none is installed.</summary>
    public static string? FindBinary() =>
        Candidates.FirstOrDefault(File.Exists)
        ?? (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Select(d => Path.Combine(d, "nginx")).FirstOrDefault(File.Exists);

    /// <summary>
    /// Writes <c>nginx.conf</c> into <paramref name="directory"/> and returns its path. <paramref name="main"/> adds
    /// top-level directives (e.g. <c>daemon off;</c>), <paramref name="http"/> the <c>http</c> block's own lines
    /// (its <c>upstream</c> and <c>server</c> blocks); <paramref name="errorLog"/> is where errors go (a path or <c>stderr</c>).
    /// </summary>
    public static async Task<string> WriteAsync(
        string directory, string http, string errorLog, int workerConnections, string main = "", CancellationToken cancellationToken = default)
    {
        var config = string.Create(CultureInfo.InvariantCulture, $$"""
            {{main}}
            worker_processes 1;
            pid {{directory}}/nginx.pid;
            error_log {{errorLog}} warn;
            events { worker_connections {{workerConnections}}; }
            http {
              access_log off;
              client_body_temp_path {{directory}}/body;
              proxy_temp_path {{directory}}/proxy;
              fastcgi_temp_path {{directory}}/fastcgi;
              uwsgi_temp_path {{directory}}/uwsgi;
              scgi_temp_path {{directory}}/scgi;
            {{http}}
            }
            """);
        var path = Path.Combine(directory, "nginx.conf");
        await File.WriteAllTextAsync(path, config, cancellationToken).ConfigureAwait(false);
        return path;
    }
}
