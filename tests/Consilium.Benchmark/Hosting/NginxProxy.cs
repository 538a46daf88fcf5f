using System.Diagnostics;
using System.Globalization;
using Consilium.Testing;

namespace Consilium.Benchmark.Hosting;

/// <summary>
/// nginx as a one-hop streaming proxy on loopback in front of an upstream: the yardstick for CPU per delta. The
/// configuration is generated into a temporary directory: one worker, <c>proxy_buffering off</c> (every chunk is passed
/// on as it arrives), HTTP/1.1 with keep-alive to the upstream, no access log.
/// </summary>
public sealed class NginxProxy : IDisposable
{
    /// <summary>How to get nginx when it is missing (Debian's package).</summary>
    public const string InstallHint = NginxConfig.InstallHint;

    private readonly Process _master;
    private readonly string _directory;

    private NginxProxy(Process master, string directory, Uri url)
    {
        _master = master;
        _directory = directory;
        Url = url;
    }

    public Uri Url { get; }

    /// <summary>The master and its worker(s).</summary>
    public IReadOnlyList<int> ProcessIds => [_master.Id, .. Children(_master.Id)];

    /// <summary>The nginx binary, or <c>null</c> when none is installed.</summary>
    public static string? Find() => NginxConfig.FindBinary();

    /// <summary>Starts nginx proxying to <paramref name="upstream"/>; waits until it answers.</summary>
    public static async Task<NginxProxy> StartAsync(string binary, Uri upstream, HttpClient http, CancellationToken cancellationToken)
    {
        var directory = Directory.CreateTempSubdirectory("consilium-bench-nginx-").FullName;
        var port = Ports.GetFree();
        var path = await NginxConfig.WriteAsync(directory, errorLog: $"{directory}/error.log", workerConnections: 4096, main: """
            daemon off;
            master_process on;
            user root;
            """, http: $$"""
              upstream model { server {{upstream.Host}}:{{upstream.Port}}; keepalive 512; }
              server {
                listen 127.0.0.1:{{port}};
                location / {
                  proxy_pass http://model;
                  proxy_http_version 1.1;
                  proxy_set_header Connection "";
                  proxy_buffering off;
                  proxy_request_buffering off;
                  proxy_read_timeout 600s;
                }
              }
            """, cancellationToken: cancellationToken).ConfigureAwait(false);
        var start = new ProcessStartInfo(binary, ["-p", directory, "-c", path])
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        var master = Process.Start(start) ?? throw new InvalidOperationException($"{binary} did not start.");
        var proxy = new NginxProxy(master, directory, new Uri($"http://127.0.0.1:{port}/"));
        try
        {
            for (var attempt = 0; ; attempt++)
            {
                if (master.HasExited)
                {
                    var error = await master.StandardError.ReadToEndAsync(cancellationToken).ConfigureAwait(false);
                    throw new InvalidOperationException($"nginx exited at start ({master.ExitCode}): {error.Trim()}");
                }
                try
                {
                    using var response = await http.GetAsync(new Uri(proxy.Url, "/health"), cancellationToken).ConfigureAwait(false);
                    return proxy;
                }
                catch (HttpRequestException) when (attempt < 100)
                {
                    await Task.Delay(100, cancellationToken).ConfigureAwait(false);
                }
            }
        }
        catch
        {
            proxy.Dispose();
            throw;
        }
    }

    public void Dispose()
    {
        try
        {
            _master.Kill(entireProcessTree: true);
            _master.WaitForExit(5000);
        }
        catch (InvalidOperationException)
        {
            // already gone
        }
        _master.Dispose();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
            // a worker still holds a file; the temp directory is left behind
        }
    }

    private static IEnumerable<int> Children(int parent)
    {
        var parentText = parent.ToString(CultureInfo.InvariantCulture);
        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(directory), out var pid))
            {
                continue;
            }
            string stat;
            try
            {
                stat = File.ReadAllText(Path.Combine(directory, "stat"));
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                continue;
            }
            var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
            if (fields.Length > 1 && fields[1] == parentText)
            {
                yield return pid;
            }
        }
    }
}
