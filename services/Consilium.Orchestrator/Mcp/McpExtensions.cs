using Consilium.Orchestrator.Security;

namespace Consilium.Orchestrator.Mcp;

/// <summary>
/// The Model Context Protocol server at <c>/mcp</c> (streamable HTTP, docs/clients.md "MCP"), with the official C#
/// SDK. Stateless, so any orchestrator replica behind the gateway answers any request; the tools run councils with
/// the same <see cref="Council.CouncilSessions"/> and runner as <c>POST /api/consilium</c>.
/// </summary>
public static class McpExtensions
{
    public const string Path = "/mcp";

    public static IHostApplicationBuilder AddConsiliumMcp(this IHostApplicationBuilder builder)
    {
        builder.Services
            .AddMcpServer(options =>
            {
                options.ServerInfo = new() { Name = "consilium", Version = "1.0.0", Title = "Consilium council" };
                options.ServerInstructions =
                    "A council of ten AI domain experts on real-estate and proptech decisions. ask_council asks them all in parallel "
                    + "and returns each stance, the tension map (consensus, coalitions, outliers, axes with cruxes) and a synthesis.";
            })
            .WithHttpTransport(options => options.Stateless = true)
            .WithTools<CouncilTools>();
        return builder;
    }

    /// <summary>Maps <c>/mcp</c> behind the public auth layers: CORS, the bearer, the rate limit.</summary>
    public static WebApplication MapConsiliumMcp(this WebApplication app)
    {
        app.MapMcp(Path).RequirePublicAuth();
        return app;
    }
}
