using System.Text.Json.Nodes;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;

namespace Consilium.Orchestrator.OpenApi;

/// <summary>
/// For an event-stream response, a <c>text/event-stream</c> schema that is one of the stream's events, each
/// <c>{event, id, data}</c> with the data's own schema; and the bearer requirement on every guarded operation.
/// </summary>
public sealed class ApiOperationTransformer : IOpenApiOperationTransformer
{
    public const string EventStream = "text/event-stream";

    public async Task TransformAsync(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken cancellationToken)
    {
        var description = context.Description;
        if (description.RelativePath?.StartsWith("api/", StringComparison.Ordinal) == true && context.Document is { } document)
        {
            operation.Security = [new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(ApiDocumentTransformer.BearerScheme, document)] = [] }];
        }
        if (ApiOperations.BodyOf(description.HttpMethod, description.RelativePath) is { } body)
        {
            operation.RequestBody = new OpenApiRequestBody
            {
                Required = true,
                Content = new Dictionary<string, OpenApiMediaType>
                {
                    [ApiOperations.Json] = new() { Schema = await context.GetOrCreateSchemaAsync(body, null, cancellationToken).ConfigureAwait(false) },
                },
            };
        }
        if (ApiOperations.EventsOf(description.HttpMethod, description.RelativePath) is not { } events)
        {
            return;
        }
        var variants = new List<IOpenApiSchema>();
        foreach (var item in events)
        {
            IOpenApiSchema data = item.DataType is null
                ? new OpenApiSchema { Type = JsonSchemaType.Object, Description = "The upstream event's JSON, verbatim." }
                : await context.GetOrCreateSchemaAsync(item.DataType, null, cancellationToken).ConfigureAwait(false);
            variants.Add(new OpenApiSchema
            {
                Type = JsonSchemaType.Object,
                Title = item.Name,
                Description = item.Description,
                Required = new HashSet<string> { "event", "data" },
                Properties = new Dictionary<string, IOpenApiSchema>
                {
                    ["event"] = new OpenApiSchema { Type = JsonSchemaType.String, Enum = [JsonValue.Create(item.Name)] },
                    ["id"] = new OpenApiSchema { Type = JsonSchemaType.String, Description = "The event's sequence number (council streams)." },
                    ["data"] = data,
                },
            });
        }
        operation.Responses ??= new OpenApiResponses();
        var ok = operation.Responses.TryGetValue("200", out var existing) && existing is OpenApiResponse response
            ? response
            : new OpenApiResponse();
        ok.Description = "An event stream (`text/event-stream`): one SSE event per item below, ending with `done` or `error`. `: ping` comments keep it alive.";
        ok.Content = new Dictionary<string, OpenApiMediaType>
        {
            [EventStream] = new() { Schema = new OpenApiSchema { OneOf = variants } },
        };
        operation.Responses["200"] = ok;
    }
}

/// <summary>
/// The document's own parts: the bearer scheme, and the endpoints the framework does not describe itself — the
/// health probes and the MCP server.
/// </summary>
public sealed class ApiDocumentTransformer : IOpenApiDocumentTransformer
{
    public const string BearerScheme = "bearer";

    public Task TransformAsync(OpenApiDocument document, OpenApiDocumentTransformerContext context, CancellationToken cancellationToken)
    {
        document.Info.Title = "Consilium API";
        document.Info.Description = "A council of ten AI domain experts answering one question in parallel, streamed as server-sent events. See docs/api.md.";
        document.Components ??= new OpenApiComponents();
        document.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
        document.Components.SecuritySchemes[BearerScheme] = new OpenApiSecurityScheme
        {
            Type = SecuritySchemeType.Http,
            Scheme = "bearer",
            Description = "CONSILIUM_SECRET. Council sessions also accept `?resume=<resumeToken>` (GET events, DELETE).",
        };
        document.Paths ??= new OpenApiPaths();
        AddProbe(document, "/health", "Ready: the dependencies this replica needs are up.");
        AddProbe(document, "/alive", "Alive: the process is up.");
        AddMcp(document);
        return Task.CompletedTask;
    }

    private static void AddProbe(OpenApiDocument document, string path, string summary)
    {
        if (document.Paths.ContainsKey(path))
        {
            return;
        }
        document.Paths[path] = new OpenApiPathItem
        {
            Operations = new Dictionary<HttpMethod, OpenApiOperation>
            {
                [HttpMethod.Get] = new()
                {
                    Summary = summary,
                    Tags = new HashSet<OpenApiTagReference> { new("Health", document) },
                    Responses = new OpenApiResponses
                    {
                        ["200"] = new OpenApiResponse { Description = "Healthy (or degraded)." },
                        ["503"] = new OpenApiResponse { Description = "Unhealthy." },
                    },
                },
            },
        };
    }

    private static void AddMcp(OpenApiDocument document)
    {
        var security = new List<OpenApiSecurityRequirement> { new() { [new OpenApiSecuritySchemeReference(BearerScheme, document)] = [] } };
        OpenApiOperation Operation(string summary, string ok) => new()
        {
            Summary = summary,
            Description = "The Model Context Protocol over streamable HTTP, stateless (tools list_agents, ask_agent, ask_council); behind CORS, the bearer and the rate limit. See docs/clients.md.",
            Tags = new HashSet<OpenApiTagReference> { new("MCP", document) },
            Security = security,
            Responses = new OpenApiResponses
            {
                ["200"] = new OpenApiResponse { Description = ok },
                ["401"] = new OpenApiResponse { Description = "Missing or wrong bearer." },
                ["429"] = new OpenApiResponse { Description = "Rate limited." },
            },
        };
        document.Paths[PublicMcpPath] = new OpenApiPathItem
        {
            Operations = new Dictionary<HttpMethod, OpenApiOperation>
            {
                [HttpMethod.Post] = Operation("Send an MCP JSON-RPC message", "A JSON-RPC response, or an event stream of progress notifications ending with it."),
            },
        };
    }

    public const string PublicMcpPath = Mcp.McpExtensions.Path;
}
