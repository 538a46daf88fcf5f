using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using Consilium.Council.Pricing;
using Consilium.Orchestrator.Council;
using Consilium.Streaming;

namespace Consilium.Orchestrator.Stop;

/// <summary>
/// The terminal <c>error</c> of a stopped council: <c>{"code":"cancelled","message","usage","costUsd"}</c>, with the
/// tokens the agents had used and their price when the stop came (a stopped council still cost something).
/// </summary>
public static class StoppedCouncil
{
    public const string Message = "The council was stopped (DELETE /api/consilium/sessions/{sessionId}); every call was cancelled.";

    public static string Data(IEnumerable<AgentAnswer> answers, PricingTable pricing)
    {
        var spent = answers.ToArray();
        var usage = spent.Aggregate(Usage.Zero, (sum, a) => sum + a.TotalUsage());
        var cost = spent.Aggregate(default(Cost), (sum, a) => sum + a.Cost(pricing)).Rounded();
        return JsonSerializer.Serialize(
            new CancelledData(CouncilErrorCodes.Cancelled, Message, usage, cost.Usd),
            StopJson.Events.CancelledData);
    }
}

/// <summary>The data of the <c>error</c> that ends a stopped council.</summary>
public sealed record CancelledData(string Code, string Message, Usage Usage, decimal CostUsd);

/// <summary>Serialised like the council's other events: camelCase, nulls written, text not HTML-escaped.</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, DefaultIgnoreCondition = JsonIgnoreCondition.Never)]
[JsonSerializable(typeof(CancelledData))]
public sealed partial class StopJson : JsonSerializerContext
{
    public static StopJson Events { get; } = new(new JsonSerializerOptions(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    });
}
