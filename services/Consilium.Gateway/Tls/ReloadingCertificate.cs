using System.Net.Security;

namespace Consilium.Gateway.Tls;

/// <summary>
/// The certificate every TLS handshake is served, re-read when its files change on disk (cert-manager and Kubernetes
/// rotate them in place, or swap the <c>..data</c> symlink). Each handshake compares the files' identity (final path
/// after symlinks, length, modification time): two <c>stat</c> calls, microseconds against the handshake's
/// cryptography, so the very next connection after a rotation gets the new certificate. Open connections keep the
/// certificate they were established with; nothing is restarted or rebound (Kestrel's own certificate watcher rebinds
/// the endpoint, which cuts open streams after five seconds, so the gateway turns it off).
/// A file that cannot be used (half written, a key that does not match yet) keeps the previous certificate and is
/// logged once; the next change is tried again.
/// </summary>
public sealed partial class ReloadingCertificate
{
    private readonly TlsCertificateFiles _files;
    private readonly ILogger<ReloadingCertificate> _logger;
    private readonly Lock _lock = new();
    private LoadedCertificate _current;
    private FilesVersion _loaded;
    private FilesVersion? _failed;

    public ReloadingCertificate(TlsCertificateFiles files, LoadedCertificate initial, FilesVersion initialVersion, ILogger<ReloadingCertificate> logger)
    {
        _files = files;
        _current = initial;
        _loaded = initialVersion;
        _logger = logger;
        LogServing(logger, files.CertificatePath, initial.Leaf.Subject, initial.Leaf.Thumbprint, initial.Leaf.NotAfter);
    }

    /// <summary>The certificate the next handshake should present.</summary>
    public LoadedCertificate Current
    {
        get
        {
            var version = FilesVersion.Of(_files);
            lock (_lock)
            {
                if (version == _loaded || version == _failed)
                {
                    return _current;
                }
                try
                {
                    _current = _files.Load();
                    _loaded = version;
                    _failed = null;
                    LogReloaded(_logger, _files.CertificatePath, _current.Leaf.Subject, _current.Leaf.Thumbprint, _current.Leaf.NotAfter);
                }
                catch (TlsCertificateException ex)
                {
                    _failed = version;
                    LogReloadFailed(_logger, ex.Message, _current.Leaf.Thumbprint);
                }
                return _current;
            }
        }
    }

    /// <summary>The context for SslStream: the current certificate and the chain sent with it.</summary>
    public SslStreamCertificateContext Context => Current.Context;

    [LoggerMessage(EventId = 2001, Level = LogLevel.Information,
        Message = "Serving TLS with the certificate in {Path}: {Subject}, thumbprint {Thumbprint}, valid until {NotAfter:u}.")]
    private static partial void LogServing(ILogger logger, string path, string subject, string thumbprint, DateTime notAfter);

    [LoggerMessage(EventId = 2002, Level = LogLevel.Information,
        Message = "The certificate in {Path} changed on disk; new connections now get {Subject}, thumbprint {Thumbprint}, valid until {NotAfter:u}.")]
    private static partial void LogReloaded(ILogger logger, string path, string subject, string thumbprint, DateTime notAfter);

    [LoggerMessage(EventId = 2003, Level = LogLevel.Warning,
        Message = "The certificate files changed but cannot be used ({Problem}); still serving the previous certificate, thumbprint {Thumbprint}.")]
    private static partial void LogReloadFailed(ILogger logger, string problem, string thumbprint);
}

/// <summary>What identifies one version of the certificate files on disk, without reading them.</summary>
public readonly record struct FilesVersion(FileVersion Certificate, FileVersion Key)
{
    public static FilesVersion Of(TlsCertificateFiles files) =>
        new(FileVersion.Of(files.CertificatePath), files.KeyPath is null ? default : FileVersion.Of(files.KeyPath));
}

/// <summary>A file's final path (after symlinks), length and modification time; all defaults when it is missing.</summary>
public readonly record struct FileVersion(string? FinalPath, long Length, long ModifiedTicks)
{
    public static FileVersion Of(string path)
    {
        try
        {
            var final = File.ResolveLinkTarget(path, returnFinalTarget: true)?.FullName ?? Path.GetFullPath(path);
            var info = new FileInfo(final);
            return info.Exists ? new FileVersion(final, info.Length, info.LastWriteTimeUtc.Ticks) : default;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return default; // mid-swap or unreadable: Load reports what is wrong
        }
    }
}
