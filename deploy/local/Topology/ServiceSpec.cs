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
    public Uri Url => new($"http://127.0.0.1:{Port}/");
}
