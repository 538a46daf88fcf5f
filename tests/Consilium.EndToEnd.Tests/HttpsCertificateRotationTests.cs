using System.Net;
using System.Security.Cryptography.X509Certificates;
using Consilium.Streaming;
using Consilium.Testing;

namespace Consilium.EndToEnd.Tests;

/// <summary>
/// <c>./run --https</c> with <c>CONSILIUM_TLS_CERT</c>/<c>CONSILIUM_TLS_KEY</c> from a test authority, and the files
/// replaced on disk while a council streams, as cert-manager rotates them.
/// </summary>
public sealed class HttpsCertificateRotationTests
{
    [Fact]
    public async Task Rotation_FilesReplacedDuringAStream_NextConnectionGetsTheNewCertificateAndTheStreamFinishes()
    {
        var ct = TestContext.Current.CancellationToken;
        using var authority = TestCertificateAuthority.Create();
        var directory = Directory.CreateTempSubdirectory("consilium-e2e-tls-").FullName;
        try
        {
            var cert = Path.Combine(directory, "tls.crt");
            var key = Path.Combine(directory, "tls.key");
            var first = authority.IssueServer("first");
            var second = authority.IssueServer("second");
            authority.WritePem(first, cert, key);
            await using var launcher = await HttpsLauncher.StartAsync(new Dictionary<string, string?>
            {
                ["CONSILIUM_TLS_CERT"] = cert,
                ["CONSILIUM_TLS_KEY"] = key,
                ["SIM_TOKENS_PER_SECOND"] = "150",
            }, ct);
            Assert.Equal(cert, launcher.CertificatePath);

            var streamCertificates = new List<string>();
            using var streaming = HttpsClients.Create(launcher.Url, authority.Root, HttpVersion.Version20, launcher.Key,
                presented: certificate => streamCertificates.Add(certificate.Thumbprint));
            using var response = await SseClient.PostAsync(streaming, "api/consilium",
                new { message = "Is the retail park worth buying?", agents = new[] { "vasquez", "chen" }, synthesis = false }, ct);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            Assert.Equal(HttpVersion.Version20, response.Version);
            var events = new List<TimedSseEvent>();
            await using var reader = SseClient.ReadEventsAsync(response, ct).GetAsyncEnumerator(ct);
            while (await reader.MoveNextAsync() && reader.Current.EventType != "delta")
            {
                events.Add(reader.Current);
            }
            events.Add(reader.Current);
            Assert.Equal("delta", reader.Current.EventType);

            authority.WritePem(second, cert, key);

            var next = await PresentedAsync(launcher, authority.Root, ct);
            Assert.Equal(second.Thumbprint, next.Thumbprint);

            while (await reader.MoveNextAsync())
            {
                events.Add(reader.Current);
            }
            var transcript = new SseTranscript(events);
            Assert.True(transcript.Terminal?.EventType == SseNames.Done, $"The open stream should finish:\n{transcript}\n{launcher.Process.Log}");
            Assert.Equal([first.Thumbprint], streamCertificates);
            Assert.True(transcript.OfType("agent_done").Count() == 2, transcript.ToString());
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    private static async Task<X509Certificate2> PresentedAsync(HttpsLauncher launcher, X509Certificate2 trust, CancellationToken ct)
    {
        X509Certificate2? presented = null;
        using var client = HttpsClients.Create(launcher.Url, trust, HttpVersion.Version20, presented: certificate => presented = certificate);
        using var response = await client.GetAsync("alive", ct);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return presented!;
    }
}
