namespace Consilium.Local.Topology;

/// <summary>
/// One service to start: <c>dotnet &lt;Assembly&gt; &lt;Arguments&gt;</c> on <c>127.0.0.1:&lt;Port&gt;</c>, with
/// <see cref="Environment"/> applied over the inherited environment (a null value removes a variable).
/// </summary>
public sealed record ServiceSpec(
    string Name,
    string Assembly,
    int Port,
    IReadOnlyList<string> Arguments,
    IReadOnlyDictionary<string, string?> Environment)
{
    /// <summary><c>https</c> for a gateway given a certificate (<c>./run --https</c>).</summary>
    public string Scheme { get; init; } = Uri.UriSchemeHttp;

    /// <summary>
    /// A native executable to run instead of <c>dotnet &lt;Assembly&gt;</c> (a Native AOT build), or a published
    /// <c>.dll</c> to run with <c>dotnet</c> instead of the build's (a ReadyToRun publish); null for the usual way.
    /// </summary>
    public string? Executable { get; init; }

    public Uri Url => new($"{Scheme}://127.0.0.1:{Port}/");
}
