using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Consilium.Local.Tls;

/// <summary>The gateway's certificate in a local run: the PEM certificate chain and key the gateway is given.</summary>
public sealed record GatewayCertificate(string CertificatePath, string KeyPath, bool Generated)
{
    public const string CertVariable = "CONSILIUM_TLS_CERT";
    public const string KeyVariable = "CONSILIUM_TLS_KEY";

    /// <summary>
    /// <c>CONSILIUM_TLS_CERT</c>/<c>CONSILIUM_TLS_KEY</c> when both are set, else the self-signed local certificate
    /// (<see cref="LocalCertificate"/>). Null with <paramref name="problem"/> when only one is set or a file is missing.
    /// </summary>
    public static GatewayCertificate? Resolve(Func<string, string?> variable, TimeProvider time, out string problem)
    {
        problem = "";
        var cert = variable(CertVariable);
        var key = variable(KeyVariable);
        if (string.IsNullOrWhiteSpace(cert) != string.IsNullOrWhiteSpace(key))
        {
            problem = $"set both {CertVariable} and {KeyVariable} (the PEM certificate chain and its private key), or neither to use a generated local certificate.";
            return null;
        }
        if (!string.IsNullOrWhiteSpace(cert) && !string.IsNullOrWhiteSpace(key))
        {
            foreach (var (name, path) in new[] { (CertVariable, cert), (KeyVariable, key) })
            {
                if (!File.Exists(path))
                {
                    problem = $"{name} names '{path}', which does not exist.";
                    return null;
                }
            }
            return new GatewayCertificate(Path.GetFullPath(cert), Path.GetFullPath(key), Generated: false);
        }
        var directory = LocalCertificate.DefaultDirectory();
        try
        {
            var (certificatePath, keyPath, _) = LocalCertificate.Ensure(directory, time);
            return new GatewayCertificate(certificatePath, keyPath, Generated: true);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            problem = $"cannot write the local certificate to '{directory}': {ex.Message}. Make it writable, or set {CertVariable} and {KeyVariable}.";
            return null;
        }
    }

    /// <summary>The leaf certificate (the first in the chain file), which the gateway must present.</summary>
    public X509Certificate2 Leaf() => X509CertificateLoader.LoadCertificate(
        PemEncoding.TryFind(File.ReadAllText(CertificatePath), out var fields)
            ? Convert.FromBase64String(File.ReadAllText(CertificatePath)[fields.Base64Data])
            : throw new CryptographicException($"'{CertificatePath}' holds no PEM certificate."));

    /// <summary>
    /// A handler for the launcher's own health probes of the gateway: the certificate presented must be exactly the
    /// one the launcher gave the gateway (pinned, so it holds whatever names a supplied certificate carries).
    /// </summary>
    public HttpMessageHandler CreateProbeHandler()
    {
        var pinned = Leaf().RawData;
        return new SocketsHttpHandler
        {
            SslOptions =
            {
                RemoteCertificateValidationCallback = (_, presented, _, _) =>
                    presented is not null && presented.GetRawCertData().AsSpan().SequenceEqual(pinned),
            },
        };
    }
}
