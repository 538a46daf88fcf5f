using System.Globalization;
using System.Net.ServerSentEvents;
using Consilium.Streaming;

namespace Consilium.Orchestrator.Sessions;

/// <summary>One event of a council session's log: its sequence number (from 1, no gaps), SSE event name and JSON data.</summary>
public readonly record struct SessionEvent(long Id, string Type, string Data)
{
    /// <summary><c>done</c> and <c>error</c> end a session; nothing follows them.</summary>
    public bool IsTerminal => SseNames.IsTerminal(Type);

    public SseItem<string> ToSseItem() => new(Data, Type) { EventId = Id.ToString(CultureInfo.InvariantCulture) };
}
