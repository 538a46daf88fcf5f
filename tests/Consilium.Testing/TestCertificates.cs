using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Consilium.Testing;

/// <summary>
/// A certificate authority made for one test run, issuing TLS server certificates for <c>127.0.0.1</c>/<c>localhost</c>.
/// Clients trust <see cref="Root"/> explicitly (<see cref="HttpsClients"/>); nothing is added to the machine's store.
/// </summary>
public sealed class TestCertificateAuthority : IDisposable
{
    private readonly ECDsa _key;

    private TestCertificateAuthority(ECDsa key, X509Certificate2 root)
    {
        _key = key;
        Root = root;
    }

    /// <summary>The authority's own certificate (public part): the trust anchor for clients.</summary>
    public X509Certificate2 Root { get; }

    public static TestCertificateAuthority Create(string name = "Consilium test CA")
    {
        var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, true, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        var now = DateTimeOffset.UtcNow;
        using var withKey = request.CreateSelfSigned(now.AddMinutes(-5), now.AddDays(2));
        return new TestCertificateAuthority(key, X509CertificateLoader.LoadCertificate(withKey.RawData));
    }

    /// <summary>A server certificate (with its private key) for 127.0.0.1, ::1 and localhost, named <paramref name="commonName"/>.</summary>
    public X509Certificate2 IssueServer(string commonName)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = Consilium.Local.Tls.LocalCertificate.ServerRequest($"CN={commonName}", key);
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(Root, true, false));
        var now = DateTimeOffset.UtcNow;
        var serial = RandomNumberGenerator.GetBytes(16);
        serial[0] &= 0x7f;
        using var issued = request.Create(Root.SubjectName, X509SignatureGenerator.CreateForECDsa(_key), now.AddMinutes(-5), now.AddDays(1), serial);
        return issued.CopyWithPrivateKey(key);
    }

    /// <summary>Writes the certificate chain (leaf, then this authority) and the key as PEM files, replacing what is there.</summary>
    public void WritePem(X509Certificate2 server, string certificatePath, string keyPath)
    {
        File.WriteAllText(keyPath, server.GetECDsaPrivateKey()!.ExportPkcs8PrivateKeyPem() + "\n");
        File.WriteAllText(certificatePath, server.ExportCertificatePem() + "\n" + Root.ExportCertificatePem() + "\n");
    }

    public void Dispose()
    {
        _key.Dispose();
        Root.Dispose();
    }
}
