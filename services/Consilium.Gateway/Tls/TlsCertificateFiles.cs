using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Consilium.Gateway.Tls;

/// <summary>
/// Where the gateway's certificate is (docs/https.md): <c>CONSILIUM_TLS_CERT</c> + <c>CONSILIUM_TLS_KEY</c> (PEM: the
/// certificate chain, leaf first, and its private key), else Kestrel's own
/// <c>Kestrel__Certificates__Default__Path</c> with <c>__KeyPath</c> (PEM) or <c>__Password</c> (PKCS#12). Both are
/// read by the gateway itself, so both reload on change and get the same TLS settings.
/// </summary>
public sealed record TlsCertificateFiles(string CertificatePath, string? KeyPath, string? Password, string CertificateVariable, string KeyVariable)
{
    public const string CertVariable = "CONSILIUM_TLS_CERT";
    public const string KeyVariableName = "CONSILIUM_TLS_KEY";
    public const string KestrelPathVariable = "Kestrel__Certificates__Default__Path";
    public const string KestrelKeyPathVariable = "Kestrel__Certificates__Default__KeyPath";

    /// <summary>The files named by the configuration; null when no certificate is configured (plain HTTP).</summary>
    public static TlsCertificateFiles? Read(IConfiguration configuration)
    {
        var cert = Blank(configuration[CertVariable]);
        var key = Blank(configuration[KeyVariableName]);
        if (cert is not null || key is not null)
        {
            if (cert is null)
            {
                throw new ConfigurationErrorException(
                    $"{CertVariable} is not set but {KeyVariableName} is: set both (the PEM certificate chain and its private key) or neither.");
            }
            if (key is null)
            {
                throw new ConfigurationErrorException(
                    $"{KeyVariableName} is not set but {CertVariable} is: set both (the PEM certificate chain and its private key) or neither.");
            }
            return new TlsCertificateFiles(cert, key, null, CertVariable, KeyVariableName);
        }

        var kestrel = configuration.GetSection("Kestrel:Certificates:Default");
        var path = Blank(kestrel["Path"]);
        var keyPath = Blank(kestrel["KeyPath"]);
        if (path is null && keyPath is not null)
        {
            throw new ConfigurationErrorException(
                $"{KestrelPathVariable} is not set but {KestrelKeyPathVariable} is: set the certificate's path too.");
        }
        return path is null ? null : new TlsCertificateFiles(path, keyPath, kestrel["Password"], KestrelPathVariable, KestrelKeyPathVariable);
    }

    /// <summary>
    /// Reads and checks the files now. Throws <see cref="TlsCertificateException"/> naming the variable whose file is
    /// missing, unreadable, not a certificate, or whose key does not match.
    /// </summary>
    public LoadedCertificate Load()
    {
        var certificateBytes = ReadFile(CertificatePath, CertificateVariable);
        var keyBytes = KeyPath is null ? null : ReadFile(KeyPath, KeyVariable);
        var (leaf, chain) = keyBytes is null ? FromPkcs12(certificateBytes) : FromPem(certificateBytes, keyBytes);

        if (leaf.Extensions.OfType<X509EnhancedKeyUsageExtension>().FirstOrDefault() is { } usage
            && !usage.EnhancedKeyUsages.Cast<Oid>().Any(oid => oid.Value is "1.3.6.1.5.5.7.3.1"))
        {
            throw new TlsCertificateException(CertificateVariable,
                $"the certificate in '{CertificatePath}' is not for TLS servers (its extended key usage lacks serverAuth).");
        }
        return new LoadedCertificate(
            leaf,
            SslStreamCertificateContext.Create(leaf, chain, offline: true));
    }

    private (X509Certificate2 Leaf, X509Certificate2Collection Chain) FromPem(byte[] certificateBytes, byte[] keyBytes)
    {
        var certificatePem = System.Text.Encoding.ASCII.GetString(certificateBytes);
        var keyPem = System.Text.Encoding.ASCII.GetString(keyBytes);
        var all = new X509Certificate2Collection();
        try
        {
            all.ImportFromPem(certificatePem);
        }
        catch (CryptographicException ex)
        {
            throw new TlsCertificateException(CertificateVariable, $"'{CertificatePath}' is not a PEM certificate chain: {ex.Message}");
        }
        if (all.Count == 0)
        {
            throw new TlsCertificateException(CertificateVariable, $"'{CertificatePath}' holds no PEM certificate (-----BEGIN CERTIFICATE-----).");
        }

        X509Certificate2 leaf;
        try
        {
            leaf = X509Certificate2.CreateFromPem(certificatePem, keyPem);
        }
        catch (Exception ex) when (ex is CryptographicException or ArgumentException)
        {
            // CopyWithPrivateKey reports a key of another certificate as an ArgumentException.
            var keyReadable = keyPem.Contains("PRIVATE KEY-----", StringComparison.Ordinal);
            throw new TlsCertificateException(KeyVariable, keyReadable
                ? $"the private key in '{KeyPath}' does not match the certificate in '{CertificatePath}' ({CertificateVariable}), or cannot be read: {ex.Message}"
                : $"'{KeyPath}' holds no unencrypted PEM private key (-----BEGIN PRIVATE KEY-----).");
        }
        all.RemoveAt(0);
        return (leaf, all);
    }

    private (X509Certificate2 Leaf, X509Certificate2Collection Chain) FromPkcs12(byte[] bytes)
    {
        X509Certificate2Collection all;
        try
        {
            all = X509CertificateLoader.LoadPkcs12Collection(bytes, Password);
        }
        catch (CryptographicException ex)
        {
            throw new TlsCertificateException(CertificateVariable,
                $"'{CertificatePath}' is not a PKCS#12 file this password opens ({ex.Message}); for PEM files set {KeyVariable} to the key's path.");
        }
        var leaf = all.FirstOrDefault(certificate => certificate.HasPrivateKey)
            ?? throw new TlsCertificateException(CertificateVariable, $"'{CertificatePath}' holds no certificate with a private key.");
        all.Remove(leaf);
        return (leaf, all);
    }

    private static byte[] ReadFile(string path, string variable)
    {
        try
        {
            return File.ReadAllBytes(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or NotSupportedException or ArgumentException)
        {
            throw new TlsCertificateException(variable, $"cannot read '{path}': {ex.Message}");
        }
    }

    private static string? Blank(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();
}

/// <summary>A certificate with its key, and the context SslStream serves it from (the chain sent with it).</summary>
public sealed record LoadedCertificate(X509Certificate2 Leaf, SslStreamCertificateContext Context);

/// <summary>A certificate file that cannot be used; <see cref="Variable"/> names the setting that points at it.</summary>
public sealed class TlsCertificateException(string variable, string problem) : Exception($"{variable}: {problem}")
{
    public string Variable { get; } = variable;
}
