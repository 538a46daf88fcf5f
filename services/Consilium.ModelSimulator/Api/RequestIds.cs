using System.Security.Cryptography;

namespace Consilium.ModelSimulator.Api;

/// <summary>Ids shaped like the real API's: <c>req_…</c> in the <c>request-id</c> header, <c>msg_…</c> for messages.</summary>
public static class RequestIds
{
    public const string Header = "request-id";
    private const string Alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    private static readonly object Key = new();

    public static string NewMessageId() => "msg_01" + RandomNumberGenerator.GetString(Alphabet, 22);

    /// <summary>Gives the request an id and sets the <c>request-id</c> response header.</summary>
    public static string Assign(HttpContext http)
    {
        var id = "req_01" + RandomNumberGenerator.GetString(Alphabet, 22);
        http.Items[Key] = id;
        http.Response.Headers[Header] = id;
        return id;
    }

    public static string? Get(HttpContext http) => http.Items.TryGetValue(Key, out var id) ? id as string : null;
}
