using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using Consilium.Orchestrator;
using Consilium.Orchestrator.OpenApi;
using Consilium.Testing;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Consilium.Clients.Tests;

/// <summary><c>/openapi/v1.json</c> and <c>/docs</c>: complete, public, and good enough to build a request from.</summary>
[Collection(SystemCollection.Name)]
public sealed class OpenApiTests(SystemFixture system)
{
    [Fact]
    public async Task Document_ListsEveryRouteTheOrchestratorMaps()
    {
        var ct = TestContext.Current.CancellationToken;
        using var orchestrator = ServiceHost<OrchestratorApp>.Start(new Dictionary<string, string?>
        {
            ["CONSILIUM_SECRET"] = "test-secret",
            ["INTERNAL_KEY"] = "test-internal",
            ["REDIS_URL"] = null,
        });
        var document = await orchestrator.Http.GetFromJsonAsync<JsonElement>("/openapi/v1.json", ct);
        var paths = document.GetProperty("paths");

        var mapped = orchestrator.Services.GetRequiredService<EndpointDataSource>().Endpoints
            .OfType<RouteEndpoint>()
            .Where(endpoint => !ApiDescriptionExtensions.IsDescriptionEndpoint(endpoint))
            .SelectMany(endpoint => (endpoint.Metadata.GetMetadata<IHttpMethodMetadata>()?.HttpMethods ?? ["GET"])
                .Select(method => (Path: "/" + endpoint.RoutePattern.RawText!.Trim('/'), Method: method.ToLowerInvariant())))
            .Distinct()
            .ToArray();

        Assert.Contains(mapped, route => route.Path == "/api/consilium/sessions/{sessionId}" && route.Method == "delete");
        Assert.Contains(mapped, route => route.Path == "/mcp" && route.Method == "post");
        var missing = mapped.Where(route => !paths.TryGetProperty(route.Path, out var item) || !item.TryGetProperty(route.Method, out _)).ToArray();
        Assert.True(missing.Length == 0, "not in /openapi/v1.json: " + string.Join(", ", missing.Select(m => $"{m.Method.ToUpperInvariant()} {m.Path}")));

        // What the framework could not infer: request bodies, problems, the events of each stream.
        var council = paths.GetProperty("/api/consilium").GetProperty("post");
        Assert.True(council.GetProperty("requestBody").GetProperty("content").TryGetProperty("application/json", out _));
        foreach (var status in new[] { "400", "401", "413", "415", "429" })
        {
            Assert.True(council.GetProperty("responses").TryGetProperty(status, out _), $"POST /api/consilium has no {status}");
        }
        Assert.Equal(
            ["session", "agent_start", "delta", "retry", "agent_done", "agent_error", "synthesis_delta", "tension_map", "done", "error"],
            EventNames(council).Distinct());
        Assert.Contains("content_block_delta", EventNames(paths.GetProperty("/api/agent/{agentId}").GetProperty("post")));
        Assert.Contains("done", EventNames(paths.GetProperty("/api/consilium/sessions/{sessionId}/events").GetProperty("get")));
    }

    [Fact]
    public async Task Document_ThroughTheGateway_IsPublicAndARequestBuiltFromItSucceeds()
    {
        var ct = TestContext.Current.CancellationToken;
        using var anonymous = ProcessTopology.CreateClient(system.Topology.GatewayUrl);
        using var documentResponse = await anonymous.GetAsync("/openapi/v1.json", ct);
        Assert.Equal(HttpStatusCode.OK, documentResponse.StatusCode);
        var document = JsonNode.Parse(await documentResponse.Content.ReadAsStringAsync(ct))!;

        // The council operation as the document describes it: its path, its body's schema, its bearer scheme.
        var (path, operation) = document["paths"]!.AsObject()
            .SelectMany(p => p.Value!.AsObject().Select(o => (Path: p.Key, Method: o.Key, Operation: o.Value!)))
            .Where(o => o.Operation["operationId"]?.GetValue<string>() == "AskCouncil")
            .Select(o => (o.Path, o.Operation))
            .Single();
        var schema = Resolve(document, operation["requestBody"]!["content"]!["application/json"]!["schema"]!);
        var body = new JsonObject();
        foreach (var (name, property) in schema["properties"]!.AsObject())
        {
            var types = Resolve(document, property!)["type"]?.ToJsonString() ?? "";
            body[name] = name switch
            {
                "message" => "Is a ground lease worth it?",
                "agents" when types.Contains("array", StringComparison.Ordinal) => new JsonArray("chen", "okafor"),
                "synthesis" when types.Contains("boolean", StringComparison.Ordinal) => false,
                _ => null,
            };
        }
        var scheme = document["components"]!["securitySchemes"]![operation["security"]![0]!.AsObject().First().Key]!;
        Assert.Equal("bearer", scheme["scheme"]!.GetValue<string>());
        using var client = ProcessTopology.CreateClient(system.Topology.GatewayUrl, system.Topology.Secret);
        using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = JsonContent.Create(body) };
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
        using var response = await client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
        var transcript = await SseClient.ReadToEndAsync(response, ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var described = operation["responses"]!["200"]!["content"]!["text/event-stream"]!["schema"]!["oneOf"]!.AsArray()
            .Select(variant => variant!["properties"]!["event"]!["enum"]![0]!.GetValue<string>()).ToHashSet();
        Assert.All(transcript.Types, type => Assert.Contains(type, described));
        Assert.Equal("done", transcript.Terminal?.EventType);
    }

    [Fact]
    public async Task Docs_ThroughTheGateway_ServesTheReferenceWithItsOwnPolicy()
    {
        var ct = TestContext.Current.CancellationToken;
        using var anonymous = ProcessTopology.CreateClient(system.Topology.GatewayUrl);

        using var page = await anonymous.GetAsync("/docs/", ct);
        var html = await page.Content.ReadAsStringAsync(ct);
        using var script = await anonymous.GetAsync("/docs/scalar.js", ct);

        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Contains("scalar.js", html, StringComparison.Ordinal);
        Assert.Contains(ApiDescriptionExtensions.ReferencePolicy, page.Headers.GetValues("Content-Security-Policy"));
        Assert.Equal(HttpStatusCode.OK, script.StatusCode);
    }

    private static IEnumerable<string> EventNames(JsonElement operation) =>
        operation.GetProperty("responses").GetProperty("200").GetProperty("content").GetProperty("text/event-stream")
            .GetProperty("schema").GetProperty("oneOf").EnumerateArray()
            .Select(variant => variant.GetProperty("properties").GetProperty("event").GetProperty("enum")[0].GetString()!);

    private static JsonNode Resolve(JsonNode document, JsonNode schema) =>
        schema["$ref"]?.GetValue<string>() is { } reference
            ? document["components"]!["schemas"]![reference.Split('/')[^1]]!
            : schema;
}
