using System.Text.Encodings.Web;
using System.Text.Json;
using Consilium.Client;

namespace Consilium.Cli;

/// <summary>
/// <c>--json</c>: one object per line, <c>{"id","event","data"}</c>, with the event's data as the server sent it
/// (re-serialised from the typed record), for scripts and pipes. No colour, no cursor control.
/// </summary>
public static class Ndjson
{
    private static readonly JsonWriterOptions Options = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static string Line(CouncilEvent item)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, Options))
        {
            writer.WriteStartObject();
            writer.WriteNumber("id", item.Id);
            writer.WriteString("event", item.EventType);
            writer.WritePropertyName("data");
            if (item is UnknownCouncilEvent unknown)
            {
                unknown.Data.WriteTo(writer);
            }
            else
            {
                JsonSerializer.Serialize(writer, item, item.GetType(), ClientJson.Wire);
            }
            writer.WriteEndObject();
        }
        return System.Text.Encoding.UTF8.GetString(buffer.ToArray());
    }

    public static string Line(AgentInfo agent) => JsonSerializer.Serialize(agent, ClientJson.Wire.AgentInfo);
}
