using System.Text.Json;
using System.Text.Json.Serialization;
using Consilium.ModelSimulator.Observability;
using Microsoft.AspNetCore.Http.HttpResults;

namespace Consilium.ModelSimulator.Api;

/// <summary>What tests and benchmarks read back: the recent requests and the running totals.</summary>
public static class SimApi
{
    public static RouteGroupBuilder MapSimApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/sim");
        group.MapGet("/requests", GetRequests);
        group.MapDelete("/requests", ClearRequests);
        group.MapGet("/stats", GetStats);
        return group;
    }

    private static Ok<IReadOnlyList<RequestRecord>> GetRequests(RequestLog log) => TypedResults.Ok(log.Recent());

    private static NoContent ClearRequests(RequestLog log)
    {
        log.Clear();
        return TypedResults.NoContent();
    }

    private static Ok<RequestStats> GetStats(RequestLog log) => TypedResults.Ok(log.Stats());
}

/// <summary>The <c>/sim</c> bodies' serialization metadata, generated at build time (no reflection: Native AOT keeps it).</summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web)]
[JsonSerializable(typeof(IReadOnlyList<RequestRecord>))]
[JsonSerializable(typeof(RequestStats))]
internal sealed partial class SimApiJson : JsonSerializerContext;
