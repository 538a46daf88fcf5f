using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Consilium.Local.Tls;

/// <summary>
/// The self-signed certificate of <c>./run --https</c>: ECDSA P-256, for <c>127.0.0.1</c>, <c>::1</c> and
/// <c>localhost</c>, kept in <c>.consilium/tls/</c> (git-ignored) and reused while it has more than a day left, so a
/// client told to trust it once keeps working. The certificate is its own trust anchor:
/// <c>curl --cacert &lt;certificate&gt;</c> and a .NET client with it in a custom trust store validate it fully.
/// </summary>
public static class LocalCertificate
{
    public const string CertificateFile = "localhost.crt.pem";
    public const string KeyFile = "localhost.key.pem";

    public static readonly TimeSpan Lifetime = TimeSpan.FromDays(365);

    /// <summary>A certificate this close to its end is replaced rather than reused.</summary>
    public static readonly TimeSpan RenewBefore = TimeSpan.FromDays(1);

    /// <summary>The folder under the checkout (or the working directory outside one).</summary>
    public static string DefaultDirectory() =>
        Path.Combine(Topology.RepositoryRoot.Find() ?? Environment.CurrentDirectory, ".consilium", "tls");

    /// <summary>Reuses the certificate in <paramref name="directory"/> while it is good, else makes a new one there.</summary>
    public static (string CertificatePath, string KeyPath, bool Created) Ensure(string directory, TimeProvider time)
    {
        var certificatePath = Path.Combine(directory, CertificateFile);
        var keyPath = Path.Combine(directory, KeyFile);
        if (IsReusable(certificatePath, keyPath, time.GetUtcNow()))
        {
            return (certificatePath, keyPath, false);
        }

        Directory.CreateDirectory(directory);
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = ServerRequest("CN=localhost, O=Consilium local", key);
        var now = time.GetUtcNow();
        using var certificate = request.CreateSelfSigned(now.AddMinutes(-5), now.Add(Lifetime));

        // The key first, readable by its owner only; the certificate last, so a half-made pair is never reused.
        WritePrivate(keyPath, key.ExportPkcs8PrivateKeyPem());
        File.WriteAllText(certificatePath, certificate.ExportCertificatePem() + "\n");
        return (certificatePath, keyPath, true);
    }

    /// <summary>
    /// A request for a TLS server certificate for <c>127.0.0.1</c>, <c>::1</c> and <c>localhost</c>: not an authority,
    /// digital signature, serverAuth. Self-signed here; the tests' authority signs the same request.
    /// </summary>
    public static CertificateRequest ServerRequest(string subject, ECDsa key)
    {
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Loopback);
        names.AddIpAddress(IPAddress.IPv6Loopback);
        names.AddDnsName("localhost");
        request.CertificateExtensions.Add(names.Build(critical: true));
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(certificateAuthority: false, hasPathLengthConstraint: false, pathLengthConstraint: 0, critical: true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, critical: true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], critical: false));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, critical: false));
        return request;
    }

    private static bool IsReusable(string certificatePath, string keyPath, DateTimeOffset now)
    {
        if (!File.Exists(certificatePath) || !File.Exists(keyPath))
        {
            return false;
        }
        try
        {
            using var certificate = X509Certificate2.CreateFromPemFile(certificatePath, keyPath);
            var names = certificate.Extensions.OfType<X509SubjectAlternativeNameExtension>().SingleOrDefault();
            return certificate.NotBefore <= now.UtcDateTime
                && certificate.NotAfter - RenewBefore > now.UtcDateTime
                && names is not null
                && names.EnumerateIPAddresses().Contains(IPAddress.Loopback)
                && names.EnumerateDnsNames().Contains("localhost");
        }
        catch (Exception ex) when (ex is CryptographicException or ArgumentException)
        {
            return false; // unreadable, or a key that does not match (ArgumentException): make a new pair
        }
    }

    private static void WritePrivate(string path, string contents)
    {
        var options = new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }
        using (var stream = new FileStream(path, options))
        using (var writer = new StreamWriter(stream))
        {
            writer.Write(contents);
            writer.Write('\n');
        }
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite); // an existing file keeps its mode otherwise
        }
    }
}
